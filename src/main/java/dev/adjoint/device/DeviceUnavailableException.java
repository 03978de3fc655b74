package dev.adjoint.device;

/** An explicitly requested backend or device cannot be used here; the message says why. */
public class DeviceUnavailableException extends RuntimeException {
    public DeviceUnavailableException(String message) {
        super(message);
    }
}
