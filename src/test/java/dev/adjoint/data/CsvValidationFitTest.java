package dev.adjoint.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CSV's column statistics are fitted on the rows the model trains on, not on the validation rows
 * training holds out of them (found in review: validation rows were scaled with statistics they
 * had taken part in, which flattered the validation metrics).
 */
class CsvValidationFitTest {
    @TempDir
    Path dir;

    private static double fittedMean(Split<Dataset> s, String column) {
        Map<?, ?> step = (Map<?, ?>) s.train().source().steps().getFirst();
        for (Object c : (List<?>) step.get("columns")) {
            Map<?, ?> m = (Map<?, ?>) c;
            if (column.equals(m.get("name"))) {
                return ((Number) m.get("mean")).doubleValue();
            }
        }
        throw new AssertionError("no column " + column);
    }

    @Test
    void theStatisticsLeaveOutTheValidationRows() throws IOException {
        StringBuilder b = new StringBuilder("amount,label\n");
        Random rnd = new Random(5);
        for (int i = 0; i < 60; i++) {
            b.append(100 + rnd.nextInt(900)).append(',').append(i % 3).append('\n');
        }
        Path train = Files.writeString(dir.resolve("train.csv"), b.toString());
        Path test = Files.writeString(dir.resolve("test.csv"), "amount,label\n5,0\n6,1\n7,2\n");
        CsvEncoding.Options o = CsvEncoding.Options.of("label");
        long seed = 11;
        double validation = 0.25;
        Split<Dataset> all = Datasets.csv(o, train, test, 0.2, seed, 0, null);
        Split<Dataset> fitted = Datasets.csv(o, train, test, 0.2, seed, validation, null);

        // The rows the trainer trains on are Holdout's; their raw values, from the all-rows encoding undone.
        Map<?, ?> column = (Map<?, ?>) ((List<?>) ((Map<?, ?>) all.train().source().steps().getFirst()).get("columns")).getFirst();
        double mean = ((Number) column.get("mean")).doubleValue();
        double std = ((Number) column.get("std")).doubleValue();
        Samples kept = Holdout.of(all.train(), validation, seed).train();
        double sum = 0;
        float[] amount = new float[1];
        for (int i = 0; i < kept.size(); i++) {
            kept.copyRow(i, amount, 0);
            sum += Math.round(amount[0] * std + mean);   // the amounts are integers
        }
        assertEquals(45, kept.size(), "60 rows less a quarter of each class");
        assertEquals(sum / kept.size(), fittedMean(fitted, "amount"), 1e-3, "the mean of the rows trained on");
        assertNotEquals(fittedMean(all, "amount"), fittedMean(fitted, "amount"), "the validation rows changed the mean");
    }
}
