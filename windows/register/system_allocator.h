// ---------------------------------------------------------------------------
// File: windows/register/system_allocator.h
// ---------------------------------------------------------------------------
//
// Makes a DLL the system's CLSID_MemoryAllocator, reversibly: Replace saves
// the InprocServer32 key of CLSID_MemoryAllocator (every value, with its
// type, or the fact that there was none) under
//   HKLM\SOFTWARE\dsalloc\SavedMemoryAllocator
// and then points it at the DLL (ThreadingModel "Both"); Restore puts the
// saved key back exactly and deletes the saved copy. Both work on
// HKLM\SOFTWARE\Classes, in the registry view of the calling program's
// bitness (a 32-bit program changes the 32-bit view), and need write access
// to HKLM (an administrator on Windows; any Wine prefix).
//
// Errors: each function returns true, or false with a message in *error and,
// as far as the registry allows, nothing changed. Thread-compatible.

#ifndef DSALLOC_WINDOWS_REGISTER_SYSTEM_ALLOCATOR_H_
#define DSALLOC_WINDOWS_REGISTER_SYSTEM_ALLOCATOR_H_

#include <string>

namespace dsalloc::windows {

// The canonical full path of dll_path if it loads in this process and its
// DllGetClassObject serves CLSID_MemoryAllocator; else "" and *error.
std::wstring CheckServer(const std::wstring& dll_path, std::string* error);

// Replace()
//
// Saves CLSID_MemoryAllocator's InprocServer32 key and makes server_path its
// default value. Fails, changing nothing, when a saved copy already exists
// (Restore first: a second Replace would overwrite the original).
bool Replace(const std::wstring& server_path, std::string* error);

// Restore()
//
// Puts the saved InprocServer32 key back (or removes the key when there was
// none) and deletes the saved copy. Fails, changing nothing, when there is
// no saved copy.
bool Restore(std::string* error);

// The current InprocServer32 default value of CLSID_MemoryAllocator ("" if
// none), and whether a saved copy exists.
std::wstring CurrentServer();
bool HasSavedCopy();

// text in UTF-8, for messages.
std::string Utf8(const std::wstring& text);

}  // namespace dsalloc::windows

#endif  // DSALLOC_WINDOWS_REGISTER_SYSTEM_ALLOCATOR_H_
