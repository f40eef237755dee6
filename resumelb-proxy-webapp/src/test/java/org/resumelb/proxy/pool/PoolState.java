package org.resumelb.proxy.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checks a pool against the text zc.resumelb's {@code pool.test} prints for its
 * {@code Pool} (its {@code __repr__}), so the Java story reads like the doctest:
 * <pre>
 * Request classes:
 *   foo: w1(0.5,1.57...), w3(3.8,2.29...)      class: worker(score,mean backlog)
 * Backlogs:
 *   overall backlog: 3 Decayed: 2.08... Avg: 1.04...
 *   0: [w3]                                     backlog: [workers]
 * </pre>
 * Numbers follow the doctest's ELLIPSIS rule: "1.57..." means the digits start
 * so; a number without "..." is Python's 12-significant-digit {@code str}, so
 * it must match to about 1e-11. A class listed with no workers ("foo: ") must
 * be absent, as this pool drops classes nobody is skilled at.
 */
final class PoolState {

    private PoolState() {
    }

    static void assertPool(Pool pool, String expected) {
        PoolSnapshot snap = pool.snapshot();
        List<String> lines = expected.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        int i = 0;
        assertEquals("Request classes:", lines.get(i++));
        Map<String, List<PoolSnapshot.SkilledWorker>> actualClasses = new TreeMap<>(snap.classes());
        for (; !lines.get(i).equals("Backlogs:"); i++) {
            String line = lines.get(i);
            int colon = line.indexOf(':');
            String rclass = line.substring(0, colon);
            String entries = line.substring(colon + 1).strip();
            List<PoolSnapshot.SkilledWorker> skilled = actualClasses.remove(rclass);
            if (entries.isEmpty()) {
                assertEquals(null, skilled, "class " + rclass + " should have no skilled worker");
                continue;
            }
            String[] parts = entries.split("\\), ");
            assertNotNull(skilled, "class " + rclass + " missing");
            assertEquals(parts.length, skilled.size(), "skilled workers of " + rclass + ": " + skilled);
            for (String part : parts) {
                String p = part.endsWith(")") ? part.substring(0, part.length() - 1) : part;
                String url = p.substring(0, p.indexOf('('));
                String[] nums = p.substring(p.indexOf('(') + 1).split(",");
                PoolSnapshot.SkilledWorker sw = skilled.stream().filter(s -> s.url().equals(url))
                        .findFirst().orElseThrow(() -> new AssertionError(
                                url + " not skilled at " + rclass + ": " + skilled));
                assertNumber(nums[0], sw.score(), url + " score for " + rclass);
                assertNumber(nums[1], snap.worker(url).meanBacklog(), url + " mean backlog");
            }
        }
        assertTrue(actualClasses.isEmpty(), "unexpected classes " + actualClasses);
        i++;
        String[] overall = lines.get(i++).split(" ");
        // overall backlog: B Decayed: D Avg: A
        assertEquals(Integer.parseInt(overall[2]), snap.backlog(), "overall backlog");
        assertNumber(overall[4], snap.meanBacklog(), "pool mean backlog");
        assertNumber(overall[6], snap.meanBacklog() / snap.size(), "pool mean backlog per worker");
        Map<String, Integer> expectedBacklogs = new TreeMap<>();
        for (; i < lines.size(); i++) {
            String line = lines.get(i);
            int b = Integer.parseInt(line.substring(0, line.indexOf(':')));
            String names = line.substring(line.indexOf('[') + 1, line.indexOf(']'));
            for (String name : names.split(", ")) {
                expectedBacklogs.put(name, b);
            }
        }
        Map<String, Integer> actualBacklogs = new TreeMap<>();
        snap.workers().forEach(w -> actualBacklogs.put(w.url(), w.backlog()));
        assertEquals(expectedBacklogs, actualBacklogs, "worker backlogs");
    }

    /** Doctest number matching: "1.57..." is a prefix, "1.0" is Python's 12-digit str. */
    static void assertNumber(String expected, double actual, String what) {
        if (expected.endsWith("...")) {
            String prefix = expected.substring(0, expected.length() - 3);
            if (!Double.toString(actual).startsWith(prefix)) {
                fail(what + ": expected " + expected + " but was " + actual);
            }
        } else {
            double e = Double.parseDouble(expected);
            assertEquals(e, actual, 1e-11 * Math.max(1.0, Math.abs(e)), what);
        }
    }
}
