package dev.adjoint.device.cuda;

import static dev.adjoint.device.cuda.CudaDriver.check;

import dev.adjoint.device.DType;
import dev.adjoint.device.DeviceException;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/**
 * Device memory for one {@link CudaDevice}: a caching allocator (freed blocks are kept in free
 * lists by rounded size and reused; on out-of-memory the cache is flushed and the allocation
 * retried once), and a pinned host staging buffer for uploads and downloads. Everything runs in
 * stream order on the device's one stream, so a freed block may be reused at once.
 *
 * <p>While a CUDA graph is being captured ({@link CudaGraph}) allocation, host transfers and
 * flushing are refused with a {@link DeviceException} naming the call: none can be recorded into
 * a graph, and a pinned copy would replay a stale staging buffer.
 */
final class CudaMemory {
    private static final long SMALL = 1L << 20;
    private static final long SMALL_STEP = 512;
    private static final long LARGE_STEP = 2L << 20;
    /** The largest allocation asked of the driver: beyond any GPU, and {@link #rounded} cannot overflow below it. */
    static final long MAX_BYTES = 1L << 56;
    /** The staging buffer grows to at most this many bytes; larger transfers go in chunks. */
    private static final long STAGING_MAX = 64L << 20;

    /** One cuMemAlloc'd block of {@code bytes} (rounded) bytes. */
    record Block(CudaDriver.DevicePointer pointer, long bytes) {
        long address() {
            return pointer.address();
        }
    }

    private final CudaDriver.Stream stream;
    private final Map<Long, ArrayDeque<Block>> free = new HashMap<>();
    private final Map<Block, Boolean> live = new IdentityHashMap<>();
    private long cachedBytes;
    private long liveBytes;

    private Pointer staging;
    private long stagingBytes;
    private final CUevent stagingFree = new CUevent();
    /** The device whose stream is being captured into a graph, or null. */
    private volatile String capturing;

    CudaMemory(CudaDriver.Stream stream) {
        this.stream = stream;
        check(JCudaDriver.cuEventCreate(stagingFree, jcuda.driver.CUevent_flags.CU_EVENT_DISABLE_TIMING),
                "cuEventCreate(staging)");
    }

    static long rounded(long bytes) {
        long b = Math.max(bytes, 1);
        long step = b <= SMALL ? SMALL_STEP : LARGE_STEP;
        return (b + step - 1) / step * step;
    }

    /**
     * A block for {@code length} elements of {@code dtype} ({@code length × dtype.bytes()} bytes,
     * rounded); blocks are cached by their rounded size in bytes, whatever dtype they last held.
     */
    synchronized Block allocate(long length, DType dtype) {
        if (length < 0 || length > MAX_BYTES / dtype.bytes()) {
            throw new IllegalArgumentException("cuda: a buffer of " + describe(length, dtype) + " cannot be allocated"
                    + (length < 0 ? " (negative length)" : " (more than " + MAX_BYTES + " bytes)"));
        }
        return take(length * dtype.bytes(), length, dtype);
    }

    /** A block of {@code bytes} bytes (cuBLAS's workspace). */
    synchronized Block allocateBytes(long bytes) {
        if (bytes < 0 || bytes > MAX_BYTES) {
            throw new IllegalArgumentException("cuda: a block of " + bytes + " bytes cannot be allocated");
        }
        return take(bytes, bytes, null);
    }

    /** {@code length} and {@code dtype} (null: bytes) only name the allocation in an error. */
    private Block take(long size, long length, DType dtype) {
        if (capturing != null) {
            throw refusal("allocating " + describe(length, dtype));
        }
        long bytes = rounded(size);
        ArrayDeque<Block> list = free.get(bytes);
        Block block = list == null ? null : list.poll();
        if (block != null) {
            cachedBytes -= bytes;
        } else {
            block = fresh(bytes, length, dtype);
        }
        live.put(block, Boolean.TRUE);
        liveBytes += bytes;
        return block;
    }

    /** "1000 floats", "1000 BF16 elements", "1000 bytes" (dtype null). */
    static String describe(long length, DType dtype) {
        return length + (dtype == null ? " bytes" : dtype == DType.F32 ? " floats" : " " + dtype + " elements");
    }

    private Block fresh(long bytes, long length, DType dtype) {
        CudaDriver.DevicePointer p = new CudaDriver.DevicePointer();
        int r = JCudaDriver.cuMemAlloc(p, bytes);
        if (r == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
            flush();
            r = JCudaDriver.cuMemAlloc(p, bytes);
            if (r == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
                long[] freeMem = new long[1];
                long[] total = new long[1];
                JCudaDriver.cuMemGetInfo(freeMem, total);
                throw new DeviceException("cuda: out of memory allocating " + describe(length, dtype)
                        + (dtype == null ? "" : " (" + bytes + " bytes)") + ": " + CudaDriver.errorText(r)
                        + "; device memory free " + mib(freeMem[0]) + " of " + mib(total[0]) + ", held by live buffers "
                        + mib(liveBytes));
            }
        }
        check(r, "cuMemAlloc(" + bytes + " bytes)");
        return new Block(p, bytes);
    }

    synchronized void release(Block block) {
        if (live.remove(block) == null) {
            return;
        }
        liveBytes -= block.bytes();
        free.computeIfAbsent(block.bytes(), b -> new ArrayDeque<>()).push(block);
        cachedBytes += block.bytes();
    }

    /** Frees every cached block back to the driver (after the stream has drained). */
    synchronized void flush() {
        refuseDuringCapture("freeing the allocator's cache");
        check(JCudaDriver.cuStreamSynchronize(stream), "cuStreamSynchronize(before freeing the cache)");
        for (ArrayDeque<Block> list : free.values()) {
            for (Block b : list) {
                check(JCudaDriver.cuMemFree(b.pointer()), "cuMemFree");
            }
        }
        free.clear();
        cachedBytes = 0;
    }

    // ------------------------------------------------------------------ graph capture guard

    void beginCapture(String device) {
        if (capturing != null) {
            throw new IllegalStateException(device + ": a CUDA graph capture is already in progress");
        }
        capturing = device;
    }

    void endCapture() {
        capturing = null;
    }

    /** Throws while a graph is captured; {@code op} is a constant (this runs on every call, so no message is built). */
    void refuseDuringCapture(String op) {
        if (capturing != null) {
            throw refusal(op);
        }
    }

    private DeviceException refusal(String op) {
        return new DeviceException("cuda: " + op + " during CUDA graph capture on " + capturing + ": a graph cannot "
                + "allocate, copy to or from the host, or wait for the device; do that before or after the "
                + "captured work (or switch graphs off with -D" + CudaGraph.PROPERTY + "=false)");
    }

    // ------------------------------------------------------------------ host transfers

    /** Uploads through the pinned staging buffer with asynchronous copies on the stream. */
    synchronized void upload(float[] src, int srcOffset, CUdeviceptr dst, int length) {
        if (capturing != null) {
            throw refusal("upload of " + length + " floats");
        }
        long done = 0;
        while (done < length) {
            int n = (int) Math.min(length - done, STAGING_MAX / Float.BYTES);
            FloatBuffer host = staging((long) n * Float.BYTES);
            host.put(src, srcOffset + (int) done, n);
            check(JCudaDriver.cuMemcpyHtoDAsync(dst.withByteOffset(done * Float.BYTES), staging, (long) n * Float.BYTES,
                    stream), "cuMemcpyHtoDAsync(" + n + " floats)");
            check(JCudaDriver.cuEventRecord(stagingFree, stream), "cuEventRecord(staging)");
            done += n;
        }
    }

    /** Downloads through the pinned staging buffer; waits for the stream. */
    synchronized void download(CUdeviceptr src, float[] dst, int dstOffset, int length) {
        if (capturing != null) {
            throw refusal("download of " + length + " floats");
        }
        long done = 0;
        while (done < length) {
            int n = (int) Math.min(length - done, STAGING_MAX / Float.BYTES);
            FloatBuffer host = staging((long) n * Float.BYTES);
            check(JCudaDriver.cuMemcpyDtoHAsync(staging, src.withByteOffset(done * Float.BYTES), (long) n * Float.BYTES,
                    stream), "cuMemcpyDtoHAsync(" + n + " floats)");
            check(JCudaDriver.cuStreamSynchronize(stream), "cuStreamSynchronize(download)");
            host.get(dst, dstOffset + (int) done, n);
            done += n;
        }
    }

    /** The staging buffer, at least {@code bytes} long, once the copies still reading it have finished. */
    private FloatBuffer staging(long bytes) {
        if (staging != null) {
            check(JCudaDriver.cuEventSynchronize(stagingFree), "cuEventSynchronize(staging)");
        }
        if (bytes > stagingBytes) {
            if (staging != null) {
                check(JCudaDriver.cuMemFreeHost(staging), "cuMemFreeHost");
            }
            long size = Math.min(STAGING_MAX, Math.max(bytes, Math.max(1L << 20, 2 * stagingBytes)));
            Pointer p = new Pointer();
            check(JCudaDriver.cuMemAllocHost(p, size), "cuMemAllocHost(" + size + " bytes)");
            staging = p;
            stagingBytes = size;
        }
        return staging.getByteBuffer(0, bytes).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    synchronized String summary() {
        return "live " + mib(liveBytes) + ", cached " + mib(cachedBytes);
    }

    /** Frees everything: live and cached blocks, the staging buffer. */
    synchronized void close() {
        flush();
        for (Block b : live.keySet()) {
            JCudaDriver.cuMemFree(b.pointer());
        }
        live.clear();
        liveBytes = 0;
        if (staging != null) {
            JCudaDriver.cuMemFreeHost(staging);
            staging = null;
        }
        JCudaDriver.cuEventDestroy(stagingFree);
    }

    private static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / 1048576.0);
    }
}
