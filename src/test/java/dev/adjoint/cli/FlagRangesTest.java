package dev.adjoint.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.Devices;
import dev.adjoint.testing.ThreadsProperty;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Every numeric flag is parsed whole (a value past int or long is not wrapped around) and checked
 * against its range before any data is read; the error names the flag and what was typed. Flags
 * that take no value refuse one, an empty value is refused, and options that cannot go together
 * say so.
 */
class FlagRangesTest {
    static Stream<Arguments> refused() {
        return Stream.of(
                row("--batch must be an integer from 1 to 16777216, got 4294967297", "--batch", "4294967297"),
                row("--batch must be an integer from 1 to 16777216, got 0", "--batch", "0"),
                row("--batch must be an integer from 1 to 16777216, got '1.5'", "--batch", "1.5"),
                row("--epochs must be an integer from 1 to 1000000, got 4294967296", "--epochs", "4294967296"),
                row("--epochs must be an integer from 1 to 1000000, got '99999999999999999999'", "--epochs",
                        "99999999999999999999"),
                row("--epochs must be an integer from 1 to 1000000, got -1", "--epochs", "-1"),
                row("--seed must be an integer, got '0x10'", "--seed", "0x10"),
                row("--lr must be a number > 0, got '0'", "--lr", "0"),
                row("--lr must be a number > 0, got 'NaN'", "--lr", "NaN"),
                row("--lr must be a number > 0, got 'Infinity'", "--lr", "Infinity"),
                row("--lr must be a number > 0, got '1e400'", "--lr", "1e400"),
                row("--weight-decay must be a number >= 0, got '-0.1'", "--weight-decay", "-0.1"),
                row("--dropout must be a number in [0, 1), got '1'", "--dropout", "1"),
                row("--clip must be a number >= 0, got '-1'", "--clip", "-1"),
                row("--warmup must be an integer >= 0, got -5", "--warmup", "-5"),
                row("--warmup 100000 is longer than the whole run (47 steps", "--warmup", "100000"),
                row("--target-accuracy must be a number in [0, 1], got '5' (write a percentage as a fraction: 0.9 for 90%)",
                        "--target-accuracy", "5"),
                row("--hidden sizes (e.g. 512,256) must be an integer from 1 to 16777216, got 0", "--hidden", "8,0"),
                row("--hidden sizes (e.g. 512,256) must be an integer from 1 to 16777216, got 4294967304", "--hidden",
                        "4294967304"),
                row("--hidden sizes (e.g. 512,256) must be an integer from 1 to 16777216, got ''", "--hidden", "8,"),
                row("--detect-anomaly takes no value (or =true / =false), got 'maybe'", "--detect-anomaly=maybe"),
                row("--device needs a value, got an empty one", "--device", ""),
                row("--data and --train-csv cannot be used together; choose one", "--train-csv", "t.csv"),
                row("unknown option -epochs; did you mean --epochs?", "-epochs", "1"),
                row("unknown --optimizer 'adagrad'", "--optimizer", "adagrad"),
                row("unknown --activation 'swish'", "--activation", "swish"),
                row("unknown --schedule 'linear'", "--schedule", "linear"),
                row("unknown --norm 'layer'; choose one of none, batch", "--norm", "layer"),
                row("--threads must be an integer from 1 to 1024, got 100000", "--threads", "100000"),
                row("--threads must be an integer from 1 to 1024, got 4294967297", "--threads", "4294967297"));
    }

    private static Arguments row(String message, String... flags) {
        return Arguments.of(message, flags);
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("refused")
    void aValueOutsideItsRangeIsRefusedNamingTheFlagAndTheValue(String message, String[] flags) {
        String[] args = Stream.concat(Stream.of("train", "--data", "spiral", "--epochs", "1"), Stream.of(flags))
                .toArray(String[]::new);
        if (flags[0].equals("--train-csv") || flags[0].equals("--epochs")) {
            args = Stream.concat(Stream.of("train", "--data", "spiral"), Stream.of(flags)).toArray(String[]::new);
        }
        Cli.Run r = Cli.oneLine(2, List.of(message), args);
        assertFalse(r.out().contains("epoch "), "trained before refusing: " + r.out());
    }

    @Test
    void aLongUserTextIsQuotedShort() {
        String huge = "x".repeat(1_000_000);
        Cli.Run r = Cli.oneLine(2, List.of("unknown --optimizer 'xxxx", "... (1000000 characters)"), "train",
                "--optimizer", huge);
        assertTrue(r.err().length() < 400, r.err().length() + " characters");
    }

    @Test
    void moreThreadsThanCoresAreCappedWithANote() throws Exception {
        ThreadsProperty.restoring(() -> {
            int cores = Runtime.getRuntime().availableProcessors();
            Cli.Run r = Cli.run("--threads", "256", "train", "--data", "spiral", "--hidden", "4", "--epochs", "1");
            assertEquals(0, r.code(), r.err());
            assertTrue(r.err().contains("adjoint: --threads 256 is more than the " + cores + " cores here; using " + cores),
                    r.err());
            assertEquals(Integer.toString(cores), System.getProperty(Devices.CPU_THREADS_PROPERTY));
            return null;
        });
    }

    @Test
    void predictRefusesTopZeroAndNegativeRows() {
        Cli.oneLine(2, List.of("--top must be an integer from 1 to 2147483647, got 0"), "predict", "--checkpoint", "x",
                "--top", "0");
        Cli.oneLine(2, List.of("--rows (row indices separated by commas) must be an integer from 0 to 2147483647, got -1"),
                "predict", "--checkpoint", "x", "--rows", "0,-1");
    }
}
