package yield

import "syscall"

const threadPriority = true

// lowerThreadPriority sets the calling thread's nice value (on Linux,
// PRIO_PROCESS with a thread id addresses that thread alone). Lowering a
// priority needs no privilege; a failure leaves the thread as it was.
func lowerThreadPriority(nice int) {
	_ = syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), nice)
}
