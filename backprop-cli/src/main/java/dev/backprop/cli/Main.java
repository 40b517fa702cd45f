package dev.backprop.cli;

import dev.backprop.train.TrainingException;

import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code backprop} command: {@code train}, {@code eval}, {@code predict}. Errors are one line on stderr
 * with a non-zero exit (2: a usage mistake, 1: the work failed); {@code --verbose} adds the stack trace.
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
        boolean verbose = Arrays.asList(args).contains("--verbose");
        try {
            if (args.length == 0) {
                err.print(usage());
                return 2;
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
                name = args[1];
                rest = new String[] {"--help"};
            }
            for (Command c : commands()) {
                if (c.name().equals(name)) return c.run(rest, out);
            }
            throw new UserError("unknown command '" + name + "'; valid commands: "
                    + String.join(", ", commands().stream().map(Command::name).toList()) + " (see backprop --help)");
        } catch (UserError | IllegalArgumentException e) {
            report(err, e, verbose);
            return 2;
        } catch (TrainingException | UncheckedIOException | IllegalStateException e) {
            report(err, e, verbose);
            return 1;
        }
    }

    private static void report(PrintStream err, RuntimeException e, boolean verbose) {
        String msg = e.getMessage() == null ? e.toString() : e.getMessage();
        err.println("backprop: " + msg.lines().findFirst().orElse(msg));
        if (verbose) e.printStackTrace(err);
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
