package dev.adjoint.train;

import dev.adjoint.device.Device;
import dev.adjoint.nn.Sequential;
import java.util.Map;

/**
 * What a model is made of, as a checkpoint's config stores it (its {@code "model"}), so that train,
 * eval, predict and resume rebuild the same network: {@link MlpSpec} for the flags' MLP and CNN
 * ({@code --hidden}, {@code --conv}, {@code --model cnn}), {@link LayerSpec} for a JSON model file's
 * list of layers ({@code --model FILE.json}). Either builds a {@link Sequential} whose children carry
 * PyTorch's {@code nn.Sequential} names.
 */
public interface ModelSpec {
    /** The features of one input row. */
    int inputs();

    /** The values the model gives per row: one per class, or one. */
    int outputs();

    /** The shape a row is viewed as before the first layer, {C, H, W} for images; empty for flat rows. */
    int[] image();

    Sequential build(Device device);

    /** The description a checkpoint's config holds; {@link #fromConfig} reads it back. */
    Map<String, Object> toConfig();

    /** One line for the start of a run, e.g. "MLP [784, 512, 256, 10]". */
    String describe();

    /** The spec {@link #toConfig} wrote, or an IllegalArgumentException naming the first field that is wrong. */
    static ModelSpec fromConfig(Map<?, ?> c) {
        return LayerSpec.TYPE.equals(c.get("type")) ? LayerSpec.fromConfig(c) : MlpSpec.fromConfig(c);
    }
}
