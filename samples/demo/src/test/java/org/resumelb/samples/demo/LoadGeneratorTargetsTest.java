package org.resumelb.samples.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Where the load generator sends each request when it has several load balancers. */
class LoadGeneratorTargetsTest {

    private static final String TARGETS = "http://a,http://b,http://c";

    @Test
    void severalTargetsTakeTheRequestsInTurn() {
        LoadGenerator load = new LoadGenerator(null, TARGETS, new Zipf(10, 1.0), 1, 0.3);
        List<String> to = new ArrayList<>();
        for (int rank : new int[] {0, 3, 0, 5, 0, 7}) {
            to.add(load.targetFor(rank));
        }
        assertEquals(List.of("http://a", "http://b", "http://c", "http://a", "http://b", "http://c"), to);
    }

    @Test
    void theHotSiteCanGoThroughTheFirstTargetOnlyWhileTheOthersTakeTurns() {
        LoadGenerator load = new LoadGenerator(null, TARGETS, new Zipf(10, 1.0), 1, 0.3).withHotThroughFirst();
        List<String> to = new ArrayList<>();
        for (int rank : new int[] {0, 3, 0, 5, 0, 7, 9}) {
            to.add(load.targetFor(rank));
        }
        assertEquals(List.of("http://a", "http://a", "http://a", "http://b", "http://a", "http://c", "http://a"), to);
    }

    @Test
    void oneTargetTakesEverything() {
        LoadGenerator load = new LoadGenerator(null, "http://only", new Zipf(10, 1.0), 1, 0.3).withHotThroughFirst();
        assertEquals("http://only", load.targetFor(0));
        assertEquals("http://only", load.targetFor(4));
    }
}
