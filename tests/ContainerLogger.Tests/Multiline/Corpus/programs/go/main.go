// Go runtime failures for the multiline corpus; the first argument picks one.
package main

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"sync"
	"time"
)

type server struct{ handlers map[string]func() }

func (s *server) serve(path string) { s.handlers[path]() }

func panicWithError() {
	err := fmt.Errorf("loading config: %w", errors.New("file not found"))
	panic(err)
}

// Workers blocked in different states, so GOTRACEBACK=all prints several goroutine blocks.
func panicWithWorkers() {
	var mu sync.Mutex
	mu.Lock()
	jobs := make(chan int)
	go func() { <-jobs }()
	go func() { mu.Lock() }()
	go func() { time.Sleep(time.Hour) }()
	go func() {
		select {
		case <-jobs:
		case <-time.After(time.Hour):
		}
	}()
	time.Sleep(100 * time.Millisecond)
	var items []int
	fmt.Println(items[3])
}

func nilDereference() {
	var s *server
	s.serve("/")
}

func deadlock() {
	done := make(chan struct{})
	go func() { <-done }()
	<-done
}

func repanic() {
	defer func() {
		r := recover()
		panic(fmt.Sprintf("cleanup failed after: %v", r))
	}()
	panic("first failure")
}

func stackDump() {
	os.Stderr.Write(debug.Stack())
}

func recurse(n int) int { return recurse(n+1) + 1 }

// Prints "ready" and sleeps: the corpus script sends SIGQUIT for the runtime's goroutine and register dump.
func waitForQuit() {
	go func() { time.Sleep(time.Hour) }()
	fmt.Println("ready")
	time.Sleep(time.Hour)
}

func main() {
	switch os.Args[1] {
	case "error":
		panicWithError()
	case "workers":
		panicWithWorkers()
	case "nil":
		nilDereference()
	case "deadlock":
		deadlock()
	case "repanic":
		repanic()
	case "stack":
		stackDump()
	case "overflow":
		debug.SetMaxStack(1 << 20)
		recurse(0)
	case "quit":
		waitForQuit()
	}
}
