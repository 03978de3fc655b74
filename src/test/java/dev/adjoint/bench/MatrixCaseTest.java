package dev.adjoint.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.bench.MatrixCase.Kind;
import java.util.List;
import org.junit.jupiter.api.Test;

class MatrixCaseTest {
    @Test
    void flopsCountTheGemmWorkOfEachCase() {
        assertEquals(2.0 * 128 * 784 * 256, MatrixCase.gemm(128, 784, 256).flops());
        // 4-3-2 at batch 5: forward 2·5·(4·3 + 3·2) = 180; a step adds the weight gradients (180)
        // and the input gradient of the second layer only (2·5·3·2 = 60).
        assertEquals(180, MatrixCase.mlp(Kind.INFER, 5, 4, 3, 2).flops());
        assertEquals(420, MatrixCase.mlp(Kind.TRAIN, 5, 4, 3, 2).flops());
        // conv 3 on 4x4 images, batch 2: the stage 2·2·(4·4)·1·25·3 = 4800 (no input gradient: it is the first),
        // then the MLP [3·2·2 = 12, 5, 2]: 2·2·(12·5 + 5·2) = 280, both input gradients counted (the stage needs one)
        MatrixCase cnn = MatrixCase.cnn(Kind.TRAIN, 2, new int[] {3}, false, 16, 5, 2);
        assertEquals(2 * (4800 + 280) + 280, cnn.flops());
        assertEquals("train conv3 16-5-2 b2", cnn.title());
        MatrixCase bn = MatrixCase.cnn(Kind.TRAIN, 2, new int[] {3}, true, 16, 5, 2);
        assertEquals(cnn.flops(), bn.flops(), "batch norm's work is elementwise: not counted");
        assertEquals("train conv3 16-5-2 bn b2", bn.title());
        assertNotEquals(cnn, bn, "batch norm makes another case");
    }

    @Test
    void shapesAndTitlesAreWhatTheJsonAndTheTableShow() {
        MatrixCase t = MatrixCase.mlp(Kind.TRAIN, 128, 784, 256, 128, 10);
        assertEquals("784-256-128-10", t.shape());
        assertEquals("train 784-256-128-10 b128", t.title());
        assertEquals(128, t.samplesPerCall());
        MatrixCase g = MatrixCase.gemm(1024, 4096, 2048);
        assertEquals("1024x4096x2048", g.shape());
        assertEquals("gemm 1024x4096x2048", g.title());
        assertEquals(0, g.samplesPerCall());
    }

    @Test
    void theLargestLayerIsTheForwardGemmWithTheMostWork() {
        assertEquals(MatrixCase.gemm(256, 1024, 1024), MatrixCase.mlp(Kind.TRAIN, 256, 784, 1024, 1024, 10).largestLayer());
        assertEquals(MatrixCase.gemm(128, 784, 256), MatrixCase.mlp(Kind.TRAIN, 128, 784, 256, 128, 10).largestLayer());
    }

    @Test
    void theStandardMatrixHasTheIssuesCasesInOrder() {
        List<MatrixCase> all = MatrixCase.standard(false);
        List<String> titles = all.stream().map(MatrixCase::title).toList();
        assertEquals(List.of("gemm 256x256x256", "gemm 128x784x256", "gemm 512x512x512", "gemm 256x1024x1024",
                "gemm 1024x1024x1024", "gemm 2048x2048x2048", "gemm 1024x4096x4096",
                "train 784-256-128-10 b128", "train 784-1024-1024-10 b256", "train 784-4096-4096-10 b1024",
                "infer 784-256-128-10 b128", "infer 784-1024-1024-10 b256", "infer 784-4096-4096-10 b1024"), titles);
        for (int i = 1; i < 7; i++) {
            assertTrue(all.get(i).flops() > all.get(i - 1).flops(), "GEMMs in order of work");
        }
        List<String> quick = MatrixCase.standard(true).stream().map(MatrixCase::title).toList();
        assertEquals(List.of("gemm 256x256x256", "gemm 128x784x256", "gemm 512x512x512", "train 784-256-128-10 b128",
                "infer 784-256-128-10 b128"), quick);
    }

    @Test
    void casesAreParsedAsTheJmhParametersWriteThem() {
        assertEquals(MatrixCase.gemm(33, 7, 1), MatrixCase.parse("gemm:33x7x1"));
        assertEquals(MatrixCase.gemm(128, 784, 256), MatrixCase.parse(" GEMM : 128X784X256 "));
        assertEquals(MatrixCase.mlp(Kind.TRAIN, 128, 784, 256, 128, 10), MatrixCase.parse("train:784-256-128-10/128"));
        assertEquals(MatrixCase.mlp(Kind.INFER, 3, 5, 2), MatrixCase.parse("infer:5-2/3"));
        String[] bad = {"1024x1024x1024", "conv:3x3x3", "gemm:8x8", "gemm:8x0x8", "train:784-10", "train:784/128",
            "infer:784-10/0", "gemm:"};
        for (String b : bad) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MatrixCase.parse(b), b);
            assertTrue(e.getMessage().startsWith("case '" + b + "': "), e.getMessage());
        }
    }

    @Test
    void casesAreValues() {
        assertEquals(MatrixCase.mlp(Kind.INFER, 8, 3, 2), MatrixCase.mlp(Kind.INFER, 8, 3, 2));
        assertEquals(MatrixCase.mlp(Kind.INFER, 8, 3, 2).hashCode(), MatrixCase.mlp(Kind.INFER, 8, 3, 2).hashCode());
        assertTrue(!MatrixCase.mlp(Kind.INFER, 8, 3, 2).equals(MatrixCase.mlp(Kind.TRAIN, 8, 3, 2)));
        assertThrows(IllegalArgumentException.class, () -> MatrixCase.mlp(Kind.GEMM, 8, 3, 2));
        assertThrows(IllegalArgumentException.class, () -> MatrixCase.mlp(Kind.TRAIN, 0, 3, 2));
        assertThrows(IllegalArgumentException.class, () -> MatrixCase.mlp(Kind.TRAIN, 8, 3));
    }
}
