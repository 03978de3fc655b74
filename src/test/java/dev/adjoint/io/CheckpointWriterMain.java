package dev.adjoint.io;

import dev.adjoint.device.cpu.CpuDevice;
import dev.adjoint.tensor.Tensor;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Saves checkpoints into a directory, over and over, until it is killed: checkpoint i holds a
 * tensor "w" of {@code floats} values all equal to i, a tensor "b" = [i, i] and the config
 * {"iteration": i}. Started by {@link CheckpointTest} in a child JVM.
 */
public final class CheckpointWriterMain {
    private CheckpointWriterMain() {}

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        int floats = Integer.parseInt(args[1]);
        try (CpuDevice cpu = new CpuDevice(1)) {
            for (int i = 1; ; i++) {
                try (Tensor w = Tensor.full(cpu, i, floats); Tensor b = Tensor.full(cpu, i, 2)) {
                    Map<String, Tensor> tensors = new LinkedHashMap<>();
                    tensors.put("w", w);
                    tensors.put("b", b);
                    System.out.println("saving " + i);
                    System.out.flush();
                    Checkpoint.save(dir, tensors, Map.of("iteration", i));
                    System.out.println("saved " + i);
                    System.out.flush();
                }
            }
        }
    }
}
