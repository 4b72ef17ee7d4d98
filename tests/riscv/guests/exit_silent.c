/* No output at all: the expectation is just the exit line. */
int main(void) { return 3; }
