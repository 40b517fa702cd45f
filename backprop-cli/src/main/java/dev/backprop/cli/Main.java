package dev.backprop.cli;

import dev.backprop.AnomalyException;
import dev.backprop.train.TrainingException;

import dev.backprop.io.Json;

import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code backprop} command: {@code train}, {@code eval}, {@code predict}. Errors are one line on stderr
 * with a non-zero exit (2: a usage mistake, 1: the work failed); {@code --verbose} adds the stack trace. With
 * {@code --json} an error is also the last line of stdout, {@code {"error": "<the line>", "status": N}}, so a
 * script reading that line always gets an object.
 */
public final class Main {
    static final String VERSION = "0.1.0";

    /** A subcommand. */
    interface Command {
        String name();

        String summary();

        /** Runs with the arguments after the command name; returns the exit status. */
        int run(String[] args, PrintStream out);
    }

    static List<Command> commands() {
        return List.of(new TrainCommand(), new EvalCommand(), new PredictCommand(), new BenchCommand(), new ExplainCommand(),
                new GradcheckCommand());
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the tool and returns its exit status (for tests). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, commands());
    }

    /** {@link #run(String[], PrintStream, PrintStream)} with the given commands (tests add one that fails on purpose). */
    static int run(String[] args, PrintStream out, PrintStream err, List<Command> commands) {
        boolean verbose = Arrays.asList(args).contains("--verbose");
        boolean json = Arrays.asList(args).contains("--json");
        RuntimeException failure = null;
        String[] command = new String[1];
        int status = 1;
        try {
            status = dispatch(args, out, err, commands, command);
        } catch (UserError | IllegalArgumentException e) {
            failure = report(err, e, command[0], verbose);
            status = 2;
        } catch (TrainingException | UncheckedIOException | IllegalStateException e) {
            failure = report(err, e, command[0], verbose);
            status = 1;
        } catch (OutOfMemoryError e) {
            // Not a bug and not the user's mistake as such: the model or batch is larger than the heap Java was given.
            String what = e.getMessage() == null ? "" : ": " + e.getMessage();
            failure = report(err, new IllegalStateException("out of memory" + what + "; give Java more heap (e.g. "
                    + "BACKPROP_JAVA_OPTS=-Xmx8g ./backprop ...) or use a smaller model or batch", e), null, false);
            if (verbose) e.printStackTrace(err);
            status = 1;
        } catch (RuntimeException | StackOverflowError e) {
            // Last resort: an exception no command expected is a bug in backprop, not the user's mistake. Still one
            // line (and, with --json, the error object a script waits for) rather than a raw trace; --verbose has it.
            String what = e.getMessage() == null ? "" : ": " + e.getMessage().lines().findFirst().orElse("");
            failure = report(err, new IllegalStateException("internal error: " + e.getClass().getName() + what
                    + " (this is a bug; rerun with --verbose for the stack trace and report it)", e), null, false);
            if (verbose) e.printStackTrace(err);
            status = 1;
        }
        // With --json a script reads the last line of stdout: after an error, the error object.
        if (json && failure != null) out.println(Json.write(errorObject(failure.getMessage(), status, failure.getCause())));
        return status;
    }

    /** Runs the command named in {@code args}, setting {@code command[0]} to its name once it is known. */
    private static int dispatch(String[] args, PrintStream out, PrintStream err, List<Command> commands, String[] command) {
        if (args.length == 0) {
            err.print(usage());
            return 2;
        }
        // The top-level flags may come before the command (backprop --json train, backprop --json --help): they
        // are passed on to it, as if written after it.
        int lead = 0;
        while (lead < args.length && TOP_LEVEL_FLAGS.contains(args[lead])) lead++;
        if (lead > 0) {
            if (lead == args.length) {
                throw new UserError("no command given; valid commands: " + names(commands)
                        + " (for example: backprop train " + args[0] + ")");
            }
            String[] moved = new String[args.length];
            System.arraycopy(args, lead, moved, 0, args.length - lead);
            System.arraycopy(args, 0, moved, args.length - lead, lead);
            if (!moved[0].startsWith("-") && !moved[0].equals("help")) args = moved;
            else args = Arrays.copyOfRange(args, lead, args.length); // --help, --version, help: no command to pass them to
        }
        if (args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help") && args.length == 1) {
            out.print(usage());
            return 0;
        }
        if (args[0].equals("--version")) {
            out.println("backprop " + VERSION);
            return 0;
        }
        String name = args[0];
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        if (name.equals("help")) {
            // "backprop help --json": the top-level flags change nothing about help; what is left names the command.
            List<String> topic = Arrays.stream(rest).filter(a -> !TOP_LEVEL_FLAGS.contains(a)).toList();
            if (topic.isEmpty()) {
                out.print(usage());
                return 0;
            }
            name = topic.getFirst();
            rest = new String[] {"--help"};
        }
        for (Command c : commands) {
            if (c.name().equals(name)) {
                command[0] = name;
                return c.run(rest, out);
            }
        }
        if (name.startsWith("-")) {
            // An option of train's (the command it is most often meant for) may be moved after it; another is unknown.
            String opt = name.replaceFirst("^--?", "").replaceFirst("=.*", "");
            if (TrainCommand.OPTIONS.stream().noneMatch(t -> t.name().equals(opt))) {
                throw new UserError("unknown option " + name + " before the command; put the command first (backprop <command> ...; "
                        + "valid commands: " + names(commands) + ")");
            }
            throw new UserError("'" + name + "' before the command; put the command first, e.g. backprop train " + name
                    + " (valid commands: " + names(commands) + ")");
        }
        throw new UserError("unknown command '" + name + "'; valid commands: " + names(commands) + " (see backprop --help)");
    }

    /** Flags every command takes, which may also be written before the command. */
    private static final List<String> TOP_LEVEL_FLAGS = List.of("--json", "--verbose");

    private static String names(List<Command> commands) {
        return String.join(", ", commands.stream().map(Command::name).toList());
    }

    private static String firstLine(Throwable e) {
        String msg = e.getMessage() == null ? e.toString() : e.getMessage();
        return msg.lines().findFirst().orElse(msg);
    }

    /**
     * Prints the error line "backprop: COMMAND: message" (the trace too with {@code verbose}) and returns the line's
     * text after "backprop: " as an exception for the JSON error object. One rule for every message: many come from
     * code that does not know the command (the data loaders, the model-spec parser), and those that do already
     * start with "COMMAND: ". ({@code command} null: no prefix, for the last-resort lines about Java or a bug.)
     */
    private static RuntimeException report(PrintStream err, RuntimeException e, String command, boolean verbose) {
        String line = firstLine(e);
        if (command != null && !line.startsWith(command + ":") && !line.startsWith("backprop:")) line = command + ": " + line;
        err.println("backprop: " + line);
        if (verbose) e.printStackTrace(err);
        return new IllegalStateException(line, e);
    }

    /**
     * {"error": line, "status": N}, with where an anomaly happened ({"anomaly": {op, phase, location}}) when a
     * training stopped on one (--detect-anomaly).
     */
    static Map<String, Object> errorObject(String line, int status, Throwable cause) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("error", line);
        r.put("status", status);
        if (cause instanceof TrainingException t && t.getCause() instanceof AnomalyException a) {
            Map<String, Object> at = new LinkedHashMap<>();
            at.put("op", a.op());
            at.put("phase", a.phase().name().toLowerCase(Locale.ROOT));
            at.put("location", a.location());
            r.put("anomaly", at);
        }
        return r;
    }

    static String usage() {
        StringBuilder sb = new StringBuilder("usage: backprop <command> [options]\n\n"
                + "Train and run neural networks on the JVM: reverse-mode automatic differentiation in pure Java.\n\ncommands:\n");
        for (Command c : commands()) sb.append(String.format("  %-9s %s%n", c.name(), c.summary()));
        sb.append("\nRun 'backprop <command> --help' for its options. 'backprop train' with no options trains an MLP on the\n"
                + "embedded UCI digits and writes the model files and an HTML report.\n");
        return sb.toString();
    }
}
