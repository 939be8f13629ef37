package yield

import "syscall"

const threadPriority = true

// lowerThreadPriority makes the calling thread's nice value by levels
// higher (a lower priority) than it is, at most 19. On Linux, PRIO_PROCESS
// with a thread id addresses that thread alone, and the raw getpriority
// answers 20 - nice. Lowering a priority needs no privilege; a failure
// leaves the thread as it was.
func lowerThreadPriority(by int) {
	tid := syscall.Gettid()
	prio, err := syscall.Getpriority(syscall.PRIO_PROCESS, tid)
	if err != nil {
		return
	}
	_ = syscall.Setpriority(syscall.PRIO_PROCESS, tid, min(20-prio+by, 19))
}
