package dev.adjoint.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.io.Checkpoint;
import dev.adjoint.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** #24: train's validation and stopping options, its printed test summary and its JSON report. */
class ValidationOptionsTest {
    private static final String[] TINY = {"train", "--data", "spiral", "--hidden", "8", "--epochs", "3"};

    @TempDir
    Path tmp;

    @Test
    void validationMetricsEachEpochAndTheTestOnceInTheReport() throws Exception {
        Path json = tmp.resolve("run.json");
        Path ck = tmp.resolve("ck");
        Cli.Run r = Cli.run(Cli.with(TINY, "--checkpoint", ck.toString(), "--json", json.toString(), "--early-stopping",
                "val_accuracy", "--patience", "1", "--min-delta", "1"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("(600 of the train held out for validation)"), r.out());
        assertTrue(r.out().contains("  val loss "), r.out());
        assertTrue(r.out().contains("early stopping: val_accuracy has not improved by more than 1.0 for 1 epochs"), r.out());
        assertTrue(r.out().contains("final test accuracy ") && r.out().contains("(best epoch 1 by val_accuracy; 2 epochs"
                + " trained)"), r.out());
        assertTrue(r.out().contains("confusion matrix (row: true class, column: predicted)"), r.out());
        Map<?, ?> report = (Map<?, ?>) Json.parse(Files.readString(json));
        List<?> epochs = (List<?>) report.get("epochs");
        assertEquals(2, epochs.size());
        Map<?, ?> first = (Map<?, ?>) epochs.get(0);
        assertTrue(first.containsKey("val_loss") && first.containsKey("val_accuracy") && first.containsKey("val_macro_f1"),
                first.keySet().toString());
        assertTrue(((Map<?, ?>) first.get("validation")).containsKey("confusion_matrix"));
        assertEquals(1L, ((Number) report.get("best_epoch")).longValue());
        Map<?, ?> test = (Map<?, ?>) report.get("test");
        assertEquals(6000L, ((Number) test.get("samples")).longValue());
        assertEquals(3, ((List<?>) test.get("confusion_matrix")).size());
        Map<String, Object> best = Checkpoint.load(ck.resolve("best")).config();
        assertEquals(test.get("accuracy"), best.get("test_accuracy"));
        Map<?, ?> line = (Map<?, ?>) best.get(TrainCommand.COMMAND_LINE);
        assertEquals("val_accuracy", line.get("early-stopping"));
        assertEquals("0.1", line.get("val"));
    }

    @Test
    void aValidationMetricWithoutAValidationSplitOrTooLargeASplitIsRefused() {
        Cli.Run r = Cli.run(Cli.with(TINY, "--no-checkpoint", "--val", "0", "--early-stopping", "val_loss"));
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains("--early-stopping val_loss needs a validation split, and --val 0 holds none out"), r.err());
        r = Cli.run(Cli.with(TINY, "--no-checkpoint", "--val", "0.95"));
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains("--val must be 0 (no validation split) or a fraction up to 0.9, got '0.95'"), r.err());
        r = Cli.run(Cli.with(TINY, "--no-checkpoint", "--early-stopping", "val_top5_accuracy"));   // found in review:
        assertEquals(2, r.code(), r.out());                                  // NaN every epoch, then a JSON error
        assertTrue(r.err().contains("val_top5_accuracy is measured only with more than 5 outputs, and the model has 3"),
                r.err());
        r = Cli.run(Cli.with(TINY, "--no-checkpoint", "--early-stopping", "test_accuracy"));
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains("unknown --early-stopping 'test_accuracy'; choose one of val_loss"), r.err());
    }

    @Test
    void withoutValidationTheBestEpochHasTheLowestTrainingLoss() {
        Cli.Run r = Cli.run(Cli.with(TINY, "--no-checkpoint", "--val", "0", "--early-stopping", "train_loss"));
        assertEquals(0, r.code(), r.err());
        assertTrue(!r.out().contains("val loss") && r.out().contains("by train_loss; 3 epochs trained)"), r.out());
    }

    /** The validation fraction is part of what a run computes: a resumed run keeps it, and refuses another. */
    @Test
    void aResumedRunKeepsItsValidationSplitAndRefusesAnother() {
        Path ck = tmp.resolve("resumed");
        assertEquals(0, Cli.run(Cli.with(TINY, "--epochs", "1", "--val", "0.2", "--checkpoint", ck.toString())).code());
        Cli.Run r = Cli.run("train", "--resume", ck.toString(), "--epochs", "2", "--checkpoint", ck.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("(1,200 of the train held out for validation)"), r.out());
        r = Cli.run("train", "--resume", ck.toString(), "--epochs", "3", "--val", "0.1", "--checkpoint", ck.toString());
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains("was trained with validation = 0.2, and this run has 0.1"), r.err());
    }
}
