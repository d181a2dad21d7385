panic: loading config: file not found

goroutine 1 [running]:
main.panicWithError(...)
	example.com/corpus/main.go:19
main.main()
	example.com/corpus/main.go:76 +0x1da
