// Package layout holds no code: its tests check the module's house rules
// against the tree itself, so that they cannot drift from a document
// (docs/method.md, "Code layout" states them): what a file-name suffix
// means, that an _other file is the exact complement of its siblings, and
// the sizes of files and functions.
package layout
