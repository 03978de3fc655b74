package dev.adjoint.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files written by numpy itself read as numpy holds them (skipped where python3 has no numpy). */
class NpyNumpyTest {
    @TempDir
    Path dir;

    private static final String SCRIPT = """
            import os, sys
            import numpy as np
            from numpy.lib import format as F
            d = sys.argv[1]
            v = np.array([[0, 1, 2], [100, 127, 3]])
            for t in ['<f4', '<f8', '|i1', '<i2', '<i4', '<i8', '|u1', '<u2', '<u4', '<u8', '>f4', '>f8', '>i4', '>u2']:
                np.save(os.path.join(d, t.replace('<', 'le').replace('>', 'be').replace('|', 'na') + '.npy'), v.astype(t))
            x = np.arange(12, dtype=np.float64).reshape(4, 3) / 7
            for ver in [(1, 0), (2, 0), (3, 0)]:
                with open(os.path.join(d, 'v%d.npy' % ver[0]), 'wb') as f:
                    F.write_array(f, x.astype('<f4'), version=ver)
            arrays = dict(x_train=x, y_train=np.array([0, 5, 5, 0]), x_test=x[:2].astype(np.float32),
                          y_test=np.array([5, 0], dtype=np.uint8))
            np.savez(os.path.join(d, 'stored.npz'), **arrays)
            np.savez_compressed(os.path.join(d, 'deflated.npz'), **arrays)
            np.save(os.path.join(d, 'fortran.npy'), np.asfortranarray(x))
            print(np.__version__)
            """;

    private void numpyWrites() throws IOException, InterruptedException {
        Path script = Files.writeString(dir.resolve("write.py"), SCRIPT);
        Process p;
        try {
            p = new ProcessBuilder("python3", script.toString(), dir.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "python3 is not available: " + e.getMessage());
            return;
        }
        boolean done = p.waitFor(60, TimeUnit.SECONDS);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(done && !out.contains("No module named 'numpy'"), "numpy is not installed for python3: " + out);
        assertEquals(0, p.exitValue(), out);
    }

    @Test
    void numpyWrittenFilesReadAsNumpyHoldsThem() throws Exception {
        numpyWrites();
        for (String t : new String[] {"lef4", "lef8", "nai1", "lei2", "lei4", "lei8", "nau1", "leu2", "leu4", "leu8",
            "bef4", "bef8", "bei4", "beu2"}) {
            NpyReader.Header[] h = new NpyReader.Header[1];
            assertArrayEquals(new float[] {0, 1, 2, 100, 127, 3}, NpyReader.features(dir.resolve(t + ".npy"), h), t);
            assertArrayEquals(new long[] {2, 3}, h[0].shape(), t);
        }
        float[] x = new float[12];
        for (int i = 0; i < 12; i++) {
            x[i] = (float) (i / 7.0);
        }
        for (int v = 1; v <= 3; v++) {
            assertArrayEquals(x, NpyReader.features(dir.resolve("v" + v + ".npy"), null), "version " + v);
        }
        for (String npz : new String[] {"stored.npz", "deflated.npz"}) {
            Split<Dataset> s = Datasets.npz(dir.resolve(npz));
            assertArrayEquals(x, s.train().features(), npz);
            assertArrayEquals(new float[] {0, 1, 1, 0}, s.train().labels(), npz);
            assertArrayEquals(new int[] {0, 5}, s.train().labelValues(), npz);
            assertArrayEquals(java.util.Arrays.copyOf(x, 6), s.test().features(), npz);
            assertArrayEquals(new float[] {1, 0}, s.test().labels(), npz);
        }
        DatasetException e = assertThrows(DatasetException.class,
                () -> NpyReader.features(dir.resolve("fortran.npy"), null));
        assertTrue(e.getMessage().contains("Fortran-order"), e.getMessage());
    }
}
