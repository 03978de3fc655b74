package dev.adjoint.device.opencl;

import static org.lwjgl.opencl.CL10.*;

import dev.adjoint.device.DeviceException;
import dev.adjoint.device.KernelOpCodes;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.IntBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.system.MemoryUtil;

/**
 * The device code of one context: every {@code kernels/opencl/<family>.cl} resource is built once,
 * when the device opens, as its own program ({@link KernelOpCodes#header()} and {@code common.cl}
 * prepended), and every kernel in it is created once and cached by name. A failed build names the
 * file and carries the build log.
 */
final class Kernels implements AutoCloseable {
    /** The op families, one program each. */
    static final List<String> FAMILIES = List.of("elementwise", "random", "reduce", "softmax", "optimizer", "gemm", "convert", "windows",
            "peak", "indexing");
    private static final String RESOURCES = "/kernels/opencl/";

    private final List<Long> programs = new ArrayList<>();
    private final Map<String, Long> kernels = new HashMap<>();

    /** Builds every family for {@code device} in {@code context}; {@code gemmDefines} are GEMM's tile parameters. */
    Kernels(long context, long device, int reductionGroup, String gemmDefines) {
        String common = KernelOpCodes.header() + "#line 1 \"common.cl\"\n" + resource("common.cl");
        String options = "-cl-std=CL1.2 -DRED_WG=" + reductionGroup;
        try {
            for (String family : FAMILIES) {
                String file = family + ".cl";
                String source = common + "\n#line 1 \"" + file + "\"\n" + resource(file);
                String opts = family.equals("gemm") ? options + " " + gemmDefines : options;
                long program = build(context, device, file, source, opts);
                programs.add(program);
                createKernels(program, file);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The cached kernel called {@code name}. */
    long get(String name) {
        Long k = kernels.get(name);
        if (k == null) {
            throw new IllegalStateException("opencl: no kernel named " + name + " in " + FAMILIES);
        }
        return k;
    }

    private static long build(long context, long device, String file, String source, String options) {
        long program;
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer err = stack.mallocInt(1);
            program = clCreateProgramWithSource(context, source, err);
            ClStatus.check(err.get(0), "clCreateProgramWithSource(" + file + ")");
        }
        int status = clBuildProgram(program, device, options, null, 0L);
        if (status != CL_SUCCESS) {
            String log = buildLog(program, device);
            clReleaseProgram(program);
            throw new DeviceException("opencl: " + ClStatus.name(status) + " building kernels/opencl/" + file
                    + " with options '" + options + "'; build log:\n" + log);
        }
        return program;
    }

    static String buildLog(long program, long device) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer size = stack.mallocPointer(1);
            if (clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, (ByteBuffer) null, size) != CL_SUCCESS) {
                return "(no build log)";
            }
            ByteBuffer log = MemoryUtil.memAlloc((int) size.get(0));
            try {
                clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, log, null);
                return MemoryUtil.memASCII(log, Math.max(0, log.remaining() - 1)).trim();
            } finally {
                MemoryUtil.memFree(log);
            }
        }
    }

    private void createKernels(long program, String file) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer count = stack.mallocInt(1);
            ClStatus.check(clCreateKernelsInProgram(program, null, count), "clCreateKernelsInProgram(" + file + ")");
            PointerBuffer ks = stack.mallocPointer(count.get(0));
            ClStatus.check(clCreateKernelsInProgram(program, ks, (IntBuffer) null), "clCreateKernelsInProgram(" + file + ")");
            for (int i = 0; i < ks.capacity(); i++) {
                long kernel = ks.get(i);
                kernels.put(kernelName(kernel), kernel);
            }
        }
    }

    private static String kernelName(long kernel) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer size = stack.mallocPointer(1);
            ClStatus.check(clGetKernelInfo(kernel, CL_KERNEL_FUNCTION_NAME, (ByteBuffer) null, size), "clGetKernelInfo");
            ByteBuffer name = stack.malloc((int) size.get(0));
            ClStatus.check(clGetKernelInfo(kernel, CL_KERNEL_FUNCTION_NAME, name, null), "clGetKernelInfo");
            return MemoryUtil.memASCII(name, name.remaining() - 1);
        }
    }

    static String resource(String file) {
        try (InputStream in = Kernels.class.getResourceAsStream(RESOURCES + file)) {
            if (in == null) {
                throw new DeviceException("opencl: kernel source " + RESOURCES + file + " is not on the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("opencl: reading kernel source " + RESOURCES + file, e);
        }
    }

    @Override
    public void close() {
        for (long k : kernels.values()) {
            clReleaseKernel(k);
        }
        kernels.clear();
        for (long p : programs) {
            clReleaseProgram(p);
        }
        programs.clear();
    }
}
