// Package outfile checks output paths before a long computation and writes
// output files atomically, with the permissions os.Create would give.
//
// # Fail before work
//
// A command that trains for an hour and then cannot write its model has
// wasted the hour. Check and CheckDir answer, in a few system calls, the
// questions that would otherwise be answered by the final write:
//
//   - the directory that will hold the file exists, is a directory, and a
//     file can be created in it (the check creates and removes a probe file,
//     which is the only test that sees read-only mounts, ACLs and the root
//     user's exemptions the way the real write will);
//   - the path is not a directory, nor a device, pipe or socket (an atomic
//     rename would replace the device node, not write to it);
//   - the path is not one of the inputs, compared with os.SameFile (so a
//     symbolic link, a hard link or "./data.csv" against "data.csv" are
//     seen through): writing a model over the training data destroys it.
//
// # Atomic writes
//
// Write and WriteFile write into a temporary file in the destination's
// directory, flush it to stable storage (File.Sync), and rename it over the
// destination; on any failure the temporary file is removed and the
// destination is untouched. A reader therefore sees the old file or the
// whole new one, never a part, and an interrupted program leaves nothing
// behind. (A symbolic link at the destination is replaced by the new file,
// not written through.)
//
// # Permissions
//
// The temporary file is created with mode 0666, so the kernel applies the
// process's umask exactly as for os.Create: under the usual umask 022 the
// result is 0644, readable by others. (os.CreateTemp would give 0600
// whatever the umask.) When the destination already exists as a regular
// file, its permission bits are kept, again as os.Create keeps them.
//
// The package imports nothing from this module, so every package of it,
// the root included, may use it.
package outfile
