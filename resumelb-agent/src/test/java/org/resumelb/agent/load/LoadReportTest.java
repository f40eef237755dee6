package org.resumelb.agent.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The X-ResumeLB-Load grammar, and the filter's count of its own requests under contention. */
class LoadReportTest {

    @Test
    void formatsTheCountAndTheMeanToTwoDecimals() {
        assertEquals("3;2.41", LoadReport.format(3, 2.4149));
        assertEquals("0;0", LoadReport.format(0, 0.0));
        assertEquals("7;1.5", LoadReport.format(7, 1.5));
        assertEquals("1;0.05", LoadReport.format(1, 0.05));
        assertEquals("12;3", LoadReport.format(12, 2.999));
    }

    @Test
    void parsesWhatItFormatsAndToleratesSurroundingSpace() {
        assertEquals(new LoadReport(3, 2.41), LoadReport.parse("3;2.41"));
        assertEquals(new LoadReport(0, 0), LoadReport.parse(" 0;0 "));
        assertEquals(new LoadReport(999_999_999, 12.5), LoadReport.parse("999999999;12.5"));
        assertEquals(new LoadReport(4, 0.123456), LoadReport.parse("4;0.123456"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ";", "3", "3;", ";2", "-1;2", "3;-2", "3;2.", "3;.5", "3 ;2", "3; 2", "3;2;1", "a;1",
            "3;1e3", "1000000000;1", "3;2.1234567", "3,2", "3;NaN", "+3;2", "3;2.5.1"})
    void malformedValuesAreNull(String value) {
        assertNull(LoadReport.parse(value), value);
    }

    @Test
    void nullIsNoReport() {
        assertNull(LoadReport.parse(null));
    }

    @Test
    void workerLoadCountsEveryRequestInAndOutUnderContention() throws Exception {
        WorkerLoad load = new WorkerLoad();
        int threads = 8;
        int each = 20_000;
        List<Thread> running = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < threads; t++) {
            Thread thread = new Thread(() -> {
                try {
                    for (int i = 0; i < each; i++) {
                        load.enter();
                        LoadReport r = LoadReport.parse(load.report());
                        if (r == null || r.inFlight() < 1 || r.inFlight() > threads || r.mean() > threads) {
                            throw new AssertionError("report out of bounds: " + r);
                        }
                        load.exit();
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            running.add(thread);
            thread.start();
        }
        for (Thread thread : running) {
            thread.join(120_000);
        }
        assertEquals(List.of(), failures);
        assertEquals(0, load.inFlight());
        assertThrows(IllegalStateException.class, load::exit, "an exit without an enter is a bug, refused");
        assertEquals(0, load.inFlight());
    }
}
