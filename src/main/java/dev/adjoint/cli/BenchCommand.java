package dev.adjoint.cli;

import dev.adjoint.bench.GemmBench;
import dev.adjoint.bench.ReplayCheck;
import dev.adjoint.bench.TrainBench;
import java.util.Arrays;

/** {@code adjoint bench gemm|train|replay-check ...}: the benchmarks, each with its own options. */
final class BenchCommand {
    private BenchCommand() {}

    static int run(String[] args) {
        if (args.length < 2) {
            throw new Args.UsageException("bench needs a benchmark: 'adjoint bench gemm' or 'adjoint bench train'");
        }
        String[] rest = Arrays.copyOfRange(args, 2, args.length);
        return switch (args[1]) {
            case "gemm" -> GemmBench.run(rest);
            case "train" -> TrainBench.run(rest);
            case "replay-check" -> ReplayCheck.run(rest);
            default -> throw new Args.UsageException("unknown benchmark '" + args[1] + "'; choose gemm, train or "
                    + "replay-check");
        };
    }
}
