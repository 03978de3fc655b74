package dev.adjoint.device.cpu;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The arrays of freed buffers, kept by length for the next allocation of that length: a caching
 * allocator, as GPU engines have one. A define-by-run training step allocates the same sizes step
 * after step; without the cache each is a new array the JVM zeroes and later collects (about
 * 2 MB per step for a 784-256-128-10 MLP at batch 128). Holds at most {@code capacity} floats;
 * past that a freed array is left to the garbage collector.
 */
final class ArrayCache {
    private final Map<Integer, ArrayDeque<float[]>> free = new HashMap<>();
    private final long capacity;
    private long held;

    ArrayCache(long capacity) {
        this.capacity = capacity;
    }

    /** A cached array of exactly {@code length} floats, with stale contents, or null. */
    synchronized float[] take(int length) {
        ArrayDeque<float[]> q = free.get(length);
        float[] a = q == null ? null : q.poll();
        if (a != null) {
            held -= length;
        }
        return a;
    }

    /** Keeps {@code a} for a later {@link #take} if there is room. */
    synchronized void give(float[] a) {
        if (held + a.length > capacity) {
            return;
        }
        free.computeIfAbsent(a.length, n -> new ArrayDeque<>()).push(a);
        held += a.length;
    }

    /** Drops every cached array (before retrying an allocation the heap could not satisfy). */
    synchronized void clear() {
        free.clear();
        held = 0;
    }

    synchronized long heldFloats() {
        return held;
    }
}
