package dev.adjoint.device;

/**
 * A failure reported by a device (out of memory, kernel error, lost device), carrying the
 * device's own error name and text and the operation that hit it.
 */
public class DeviceException extends RuntimeException {
    public DeviceException(String message) {
        super(message);
    }

    public DeviceException(String message, Throwable cause) {
        super(message, cause);
    }
}
