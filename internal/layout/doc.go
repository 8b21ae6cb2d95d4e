// Package layout holds no code. Its tests check the module's house rules
// against the tree itself, so that the rules cannot drift from a document
// (docs/method.md, "Code layout and tests", states them): what a file-name
// suffix means, that an _other file is the exact complement of its
// siblings, that package docs list no files, and the sizes of files and
// functions. They run on Linux, where CI runs them once for the module.
package layout
