// Shared by every Adjoint OpenCL program: prepended to each kernels/opencl/<family>.cl before it is
// built (a #line directive then restores the family file's own line numbers in build logs).
// In front of it goes the op-code header rendered from the Java enums (dev.adjoint.device.KernelOpCodes:
// UNARY_*, BINARY_*, REDUCE_*, DIST_*, the ordinals of UnaryOp, BinaryOp, ReduceOp and Distribution),
// so kernels name ops and the two sides cannot drift apart.
//
// Portable OpenCL C 1.2: no double, no atomics on floats, no 2.0 features.

// Java's Math.max / Math.min: NaN if either input is NaN, and +0 > -0.
inline float java_max(float a, float b) {
    if (isnan(a) || isnan(b)) return NAN;
    if (a == b) return signbit(a) ? b : a;
    return a > b ? a : b;
}

inline float java_min(float a, float b) {
    if (isnan(a) || isnan(b)) return NAN;
    if (a == b) return signbit(a) ? a : b;
    return a < b ? a : b;
}

// Work-group reductions for kernels launched with a local size of exactly RED_WG (a power of two,
// passed with -D). scratch is a __local float[RED_WG]; every work-item of the group must call.
inline float group_sum(float v, __local float* scratch) {
    int lid = get_local_id(0);
    scratch[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = RED_WG / 2; s > 0; s >>= 1) {
        if (lid < s) scratch[lid] += scratch[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float r = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

inline float group_max(float v, __local float* scratch) {
    int lid = get_local_id(0);
    scratch[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = RED_WG / 2; s > 0; s >>= 1) {
        if (lid < s) scratch[lid] = java_max(scratch[lid], scratch[lid + s]);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float r = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}
