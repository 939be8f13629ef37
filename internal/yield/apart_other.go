//go:build !linux

package yield

const threadPriority = false

func lowerThreadPriority(int) {}
