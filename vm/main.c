/* main.c - the `aio` command: a thin client of the embedding API (aio.h).
 * Exit status: the script's (0, 1 after an uncaught exception, or sys.exit's),
 * 2 for usage errors, unreadable files and compile errors. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "aio.h"

static const char usage[] =
    "usage: aio [option] FILE [args...]\n"
    "       aio -e CODE [args...]\n"
    "       aio compile FILE -o OUT\n"
    "       aio check FILE\n"
    "\n"
    "  FILE            run a script (.aio source, or a file written by aio compile)\n"
    "  -e CODE         run CODE as the main script\n"
    "  --emit-lua FILE print the Lua code FILE compiles to\n"
    "  compile FILE -o OUT\n"
    "                  compile FILE to bytecode in OUT; run it with aio OUT\n"
    "  check FILE      compile only and print any errors\n"
    "  --version       print the version\n"
    "  --help          print this help\n";

static int main_usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "aio: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s", usage);
    return 2;
}

static AioVM *main_vm(int argc, char **argv)
{
    AioConfig cfg;
    aio_config_init(&cfg);
    cfg.argc = argc;
    cfg.argv = (const char *const *)argv;
    cfg.big_heap = 1;   /* the command owns its process */
    AioVM *vm = aio_new(&cfg);
    if (!vm) fprintf(stderr, "aio: could not start the runtime\n");
    return vm;
}

/* Ctrl-C: the VM being run (the command runs one at a time) raises
 * KeyboardInterrupt. main.c is the command, not the library, so it may keep
 * this pointer; the handler only calls the async-signal-safe aio_interrupt. */
static AioVM *volatile main_running_vm;
static volatile sig_atomic_t main_interrupted;

static void main_on_sigint(int sig)
{
    (void)sig;
    main_interrupted = 1;
    if (main_running_vm) aio_interrupt(main_running_vm);
}

static void main_catch_sigint(AioVM *vm)
{
    main_running_vm = vm;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = main_on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
}

/* Runs a VM action and turns its result into an exit status. */
static int main_status(AioVM *vm, AioResult r)
{
    int status = r == AIO_OK ? 0 : r == AIO_RUNTIME_ERROR ? aio_exit_status(vm) : 2;
    main_running_vm = NULL;
    aio_free(vm);
    fflush(stdout);
    if (status == 130 && main_interrupted) {
        /* die of SIGINT, as Python does, so that a calling shell stops too */
        signal(SIGINT, SIG_DFL);
        raise(SIGINT);
    }
    return status;
}

static int main_tool(int argc, char **argv)
{
    const char *cmd = argv[1];
    if (argc < 3) return main_usage_error("'%s' needs a FILE", cmd);
    AioVM *vm = main_vm(0, NULL);
    if (!vm) return 1;
    if (strcmp(cmd, "--emit-lua") == 0) {
        if (argc != 3) { aio_free(vm); return main_usage_error("%s takes one FILE", cmd); }
        return main_status(vm, aio_emit_lua(vm, argv[2]));
    }
    if (strcmp(cmd, "check") == 0) {
        if (argc != 3) { aio_free(vm); return main_usage_error("%s takes one FILE", cmd); }
        return main_status(vm, aio_check_file(vm, argv[2]));
    }
    /* compile FILE -o OUT */
    if (argc != 5 || strcmp(argv[3], "-o") != 0) {
        aio_free(vm);
        return main_usage_error("%s: expected 'aio compile FILE -o OUT'", cmd);
    }
    return main_status(vm, aio_compile_file(vm, argv[2], argv[4]));
}

int main(int argc, char **argv)
{
    /* A write to a socket the peer closed must fail with EPIPE (BrokenPipeError),
     * not kill the process; libuv writes streams with write(2), which raises
     * SIGPIPE. The library leaves dispositions alone: embedders must ignore
     * SIGPIPE themselves if they use networking. */
    signal(SIGPIPE, SIG_IGN);
    if (!isatty(1)) setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    const char *a = argv[1];
    if (strcmp(a, "--version") == 0) {
        printf("aio %s\n", AIO_VERSION);
        return 0;
    }
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    if (strcmp(a, "--emit-lua") == 0 || strcmp(a, "check") == 0 || strcmp(a, "compile") == 0)
        return main_tool(argc, argv);
    if (strcmp(a, "-e") == 0) {
        if (argc < 3) return main_usage_error("%s needs CODE", a);
        const char *code = argv[2];
        /* sys.argv is ['-e', args...], as Python's is ['-c', args...]. */
        argv[2] = argv[1];
        AioVM *vm = main_vm(argc - 2, argv + 2);
        if (!vm) return 1;
        main_catch_sigint(vm);
        return main_status(vm, aio_run_source(vm, "<string>", code, strlen(code)));
    }
    if (a[0] == '-' && a[1] != 0) return main_usage_error("unknown option '%s'", a);
    AioVM *vm = main_vm(argc - 1, argv + 1);
    if (!vm) return 1;
    main_catch_sigint(vm);
    return main_status(vm, aio_run_file(vm, a));
}
