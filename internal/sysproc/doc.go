// Package sysproc holds the system-call helpers that the direct runner and
// the spawner share: EINTR retries, descriptors kept above stdio, killing
// and reaping a child and its process group, ppoll with a deadline, which
// errors of fork and exec are a want of resources (IsShortage), and a
// child's resource usage in an OS-neutral form (Usage, which compiles on
// every OS so that code reading it is tested everywhere).
package sysproc
