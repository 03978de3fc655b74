// Generated from the Java enums by dev.adjoint.device.KernelOpCodes: do not edit. After changing
// an enum, run native/build-ptx.sh (it rewrites this file, then the PTX) and commit both.
#ifndef ADJOINT_OP_CODES
#define ADJOINT_OP_CODES

// dev.adjoint.device.UnaryOp
#define UNARY_COPY 0
#define UNARY_NEG 1
#define UNARY_SCALE 2
#define UNARY_ADD_SCALAR 3
#define UNARY_POW_SCALAR 4
#define UNARY_EXP 5
#define UNARY_LOG 6
#define UNARY_SIN 7
#define UNARY_COS 8
#define UNARY_SQRT 9
#define UNARY_RECIPROCAL 10
#define UNARY_ABS 11
#define UNARY_SIGN 12
#define UNARY_SQUARE 13
#define UNARY_RELU 14
#define UNARY_LEAKY_RELU 15
#define UNARY_SIGMOID 16
#define UNARY_TANH 17
#define UNARY_GELU 18

// dev.adjoint.device.BinaryOp
#define BINARY_ADD 0
#define BINARY_SUB 1
#define BINARY_MUL 2
#define BINARY_DIV 3
#define BINARY_MAX 4
#define BINARY_MIN 5
#define BINARY_POW 6
#define BINARY_GREATER 7
#define BINARY_EQUAL 8
#define BINARY_RELU_BACKWARD 9
#define BINARY_LEAKY_RELU_BACKWARD 10
#define BINARY_SIGMOID_BACKWARD 11
#define BINARY_TANH_BACKWARD 12
#define BINARY_GELU_BACKWARD 13

// dev.adjoint.device.ReduceOp
#define REDUCE_SUM 0
#define REDUCE_MEAN 1
#define REDUCE_MAX 2
#define REDUCE_MIN 3
#define REDUCE_ARGMAX 4
#define REDUCE_ARGMIN 5

// dev.adjoint.device.Distribution
#define DIST_UNIFORM 0
#define DIST_NORMAL 1
#define DIST_BERNOULLI 2

// CRC-32 of the definitions above; each PTX carries it (KernelOpCodesTest checks).
#define OP_CODES_FINGERPRINT 2694266446u
#endif
