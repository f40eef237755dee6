package org.resumelb.proxy.membership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Single-version mode's rule on its own: majority, ties, numeric ordering. */
class VersionElectionTest {

    @Test
    void theVersionMostWorkersReportWins() {
        assertEquals("1.9", VersionElection.elect(List.of("1.9", "1.9", "1.10"), null));
        assertEquals("1.10", VersionElection.elect(List.of("1.9", "1.10", "1.10"), "1.9"));
    }

    @Test
    void aTieKeepsTheVersionInForce() {
        assertEquals("1.9", VersionElection.elect(List.of("1.9", "1.10"), "1.9"));
        assertEquals("1.10", VersionElection.elect(List.of("1.9", "1.10"), "1.10"));
    }

    @Test
    void amongNewCandidatesTheHighestVersionWinsNumerically() {
        assertEquals("1.10", VersionElection.elect(List.of("1.9", "1.10"), null), "1.10 > 1.9");
        assertEquals("2.0", VersionElection.elect(List.of("1.0", "2.0"), "0.5"), "the version in force has no worker left");
    }

    @Test
    void workersWithoutAVersionCountAsOneVersionAndNoWorkersElectNobody() {
        assertEquals("", VersionElection.elect(Arrays.asList(null, null, "1.0"), null));
        assertNull(VersionElection.elect(List.of(), null));
        assertNull(VersionElection.elect(List.of(), "1.0"));
    }
}
