"""The command line of the check scripts here, the part they share: options
that are all required, and the verdict a script ends with. A script imports
this by name: Python puts the script's own folder first on sys.path, however
ctest starts it."""

import argparse


def required_options(description, *names):
    """Parses sys.argv for a script whose options (`--kit`, `--out`, ...)
    each take a value and are all required; returns them by name (dashes as
    underscores, `--control-expect` as `control_expect`). A missing one is a
    usage error: exit 2 with argparse's message."""
    parser = argparse.ArgumentParser(description=description)
    for name in names:
        parser.add_argument(name, required=True)
    return parser.parse_args()


def verdict(problems, held):
    """A check script's exit status: 1 with every problem printed (a blank
    line between two), or 0 with `held`, the line that says what held."""
    if problems:
        print("\n\n".join(problems))
        return 1
    print(held)
    return 0
