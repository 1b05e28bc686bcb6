/*
 * probe — see report.c for `probe report` and commands.c for the others.
 *
 *   probe [report] [OPTIONS...]     one JSON object describing the process
 *   probe COMMAND [ARGS...]         exit, echo, cat, sleep, wait-signal,
 *                                   syscall, fork, alloc, notify, listen-fds, spin
 */
#define _GNU_SOURCE
#include <string.h>

#include "probe.h"

char **probe_argv;

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{"report", cmd_report},
	{"exit", cmd_exit},
	{"echo", cmd_echo},
	{"cat", cmd_cat},
	{"sleep", cmd_sleep},
	{"wait-signal", cmd_wait_signal},
	{"syscall", cmd_syscall},
	{"fork", cmd_fork},
	{"alloc", cmd_alloc},
	{"notify", cmd_notify},
	{"listen-fds", cmd_listen_fds},
	{"spin", cmd_spin},
};

int main(int argc, char **argv)
{
	probe_argv = argv;
	if (argc < 2 || !strncmp(argv[1], "--", 2))
		return cmd_report(argc - 1, argv + 1); /* bare options mean "report" */
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))
		usage("help");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name)) {
			/* report keeps its own name in argv[0]; the others drop it */
			if (commands[i].fn == cmd_report)
				return cmd_report(argc - 1, argv + 1);
			return commands[i].fn(argc - 2, argv + 2);
		}
	usage("unknown command '%s'", argv[1]);
}
