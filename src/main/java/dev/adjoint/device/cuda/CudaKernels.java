package dev.adjoint.device.cuda;

import static dev.adjoint.device.cuda.CudaDriver.check;

import dev.adjoint.device.DeviceException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.JCudaDriver;

/**
 * The kernels of one device: each {@code kernels/cuda/<family>.ptx} resource is loaded with
 * {@code cuModuleLoadData} on first use (the driver JIT-compiles it for this GPU) and every
 * {@code CUfunction} is looked up once and cached. {@link #launch} queues a kernel on the stream.
 */
final class CudaKernels {
    /** The PTX families and the entry points the launchers use: checked by the tests against the PTX. */
    static final Map<String, List<String>> ENTRIES = Map.of(
            "elementwise", List.of("unary_forward", "unary_strided_forward", "binary_forward",
                    "binary_strided_forward", "matrix_scale_forward"),
            "reduce", List.of("reduce_rows_forward", "reduce_columns_forward", "reduce_partial_forward",
                    "reduce_combine_forward"),
            "softmax", List.of("softmax_forward", "softmax_backward", "cross_entropy_forward",
                    "cross_entropy_backward"),
            "optimizer", List.of("sgd_update", "adam_update"),
            "random", List.of("random_forward"),
            "convert", List.of("f32_to_bf16_forward", "f32_to_f16_forward", "bf16_to_f32_forward",
                    "f16_to_f32_forward"),
            "windows", List.of("im2col_forward", "im2col_backward", "max_pool_forward", "max_pool_backward"),
            "peak", List.of("peak_fma"),
            "indexing", List.of("gather_forward", "scatter_add_forward", "select_forward", "select_strided_forward"));

    /** Threads per block; the kernels' block reductions assume it (BLOCK in common.cuh). */
    static final int BLOCK = 256;

    private final CudaDriver.Stream stream;
    private final int multiprocessors;
    private final Map<String, CUmodule> modules = new HashMap<>();
    private final Map<String, CUfunction> functions = new HashMap<>();

    CudaKernels(CudaDriver.Stream stream, int multiprocessors) {
        this.stream = stream;
        this.multiprocessors = multiprocessors;
    }

    static String resource(String family) {
        return "/kernels/cuda/" + family + ".ptx";
    }

    /** The PTX text of a family, NUL-terminated as cuModuleLoadData wants it. */
    static byte[] ptx(String family) {
        try (InputStream in = CudaKernels.class.getResourceAsStream(resource(family))) {
            if (in == null) {
                throw new DeviceException("cuda: kernel resource " + resource(family) + " is missing from the class path");
            }
            byte[] text = in.readAllBytes();
            return Arrays.copyOf(text, text.length + 1);
        } catch (IOException e) {
            throw new DeviceException("cuda: cannot read " + resource(family), e);
        }
    }

    synchronized CUfunction function(String family, String entry) {
        String key = family + "/" + entry;
        CUfunction f = functions.get(key);
        if (f == null) {
            CUmodule module = modules.get(family);
            if (module == null) {
                module = new CUmodule();
                check(JCudaDriver.cuModuleLoadData(module, ptx(family)),
                        "cuModuleLoadData(" + resource(family) + "; PTX ISA 9.0 needs a CUDA 13 driver, R580+)");
                modules.put(family, module);
            }
            f = new CUfunction();
            check(JCudaDriver.cuModuleGetFunction(f, module, entry), "cuModuleGetFunction(" + key + ")");
            functions.put(key, f);
        }
        return f;
    }

    /** Blocks for a grid-stride kernel over n elements: enough to fill the GPU, no more. */
    int gridFor(long n) {
        long blocks = (n + BLOCK - 1) / BLOCK;
        return (int) Math.max(1, Math.min(blocks, (long) multiprocessors * 32));
    }

    /**
     * Queues {@code family/entry} with {@code blocks} × {@link #BLOCK} threads; args are boxed scalars, or long[] and
     * int[] passed by value (a kernel's array or struct parameter of that many elements).
     */
    void launch(String family, String entry, int blocks, Object... args) {
        launch2d(family, entry, blocks, 1, args);
    }

    /** As {@link #launch}, over a blocksX × blocksY grid. */
    void launch2d(String family, String entry, int blocks, int blocksY, Object... args) {
        Pointer[] params = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            params[i] = switch (args[i]) {
                case Integer v -> Pointer.to(new int[] {v});
                case Long v -> Pointer.to(new long[] {v});
                case Float v -> Pointer.to(new float[] {v});
                case Boolean v -> Pointer.to(new int[] {v ? 1 : 0});
                case long[] v -> Pointer.to(v);
                case int[] v -> Pointer.to(v);
                default -> throw new IllegalArgumentException("cuda: unsupported kernel argument " + args[i]);
            };
        }
        check(JCudaDriver.cuLaunchKernel(function(family, entry), blocks, blocksY, 1, BLOCK, 1, 1, 0, stream,
                Pointer.to(params), null), "cuLaunchKernel(" + entry + ", " + blocks + " blocks)");
    }

    void close() {
        for (CUmodule m : modules.values()) {
            JCudaDriver.cuModuleUnload(m);
        }
        modules.clear();
        functions.clear();
    }
}
