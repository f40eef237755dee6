package org.resumelb.samples.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A short demo run against the real WARs: the table is produced and its figures add up. */
class DemoTest {

    @Test
    void aShortRunProducesAConsistentTable(@TempDir Path out) throws Exception {
        DemoOptions o = new DemoOptions(2, 20, 100, 5, 500, 200, 1.0, 4, Duration.ofSeconds(1), Duration.ofSeconds(2),
                List.of("round-robin", "resume"));
        Report report = Demo.run(o, Path.of(System.getProperty("demo.wars")), out);
        assertEquals(List.of("round-robin", "resume"), report.rows().stream().map(Report.Row::policy).toList());
        for (Report.Row row : report.rows()) {
            LoadGenerator.Run run = row.run();
            assertTrue(run.requests() > 50, row.policy() + " ran: " + run.requests());
            assertEquals(0, run.errors(), row.policy() + " errors");
            assertEquals(run.requests() * o.objectsPerRequest(), run.hits() + run.misses(),
                    "hits + misses = objects touched, for " + row.policy());
            assertEquals(run.requests(), run.byWorker().values().stream().mapToLong(Long::longValue).sum(),
                    "every request was served by a named worker");
            assertEquals(run.requests(), run.latencyMicros().getTotalCount(), "one latency per request");
        }
        String text = report.text();
        assertTrue(text.contains("round-robin") && text.contains("resume") && text.contains("hit rate") && text.contains("1.00x"), text);
        String md = Files.readString(out.resolve("demo-results.md"));
        assertTrue(md.contains("| policy |") && md.contains("| resume |"), md);
        String svg = Files.readString(out.resolve("demo-results.svg"));
        assertTrue(svg.startsWith("<svg") && svg.contains(">resume<"), svg);
    }

    @Test
    void flagsAreParsedAndBadOnesRefused() {
        DemoOptions o = DemoOptions.parse("--workers 3 --sites 50 --policies resume,round-robin --duration 2.5");
        assertEquals(3, o.workers());
        assertEquals(50, o.sites());
        assertEquals(List.of("resume", "round-robin"), o.policies());
        assertEquals(Duration.ofMillis(2500), o.duration());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DemoOptions.parse("--policies fastest")).getMessage().contains("unknown policy"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DemoOptions.parse("--workers 0")).getMessage().contains("at least 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DemoOptions.parse("--frobnicate 1")).getMessage().contains("unknown flag"));
    }
}
