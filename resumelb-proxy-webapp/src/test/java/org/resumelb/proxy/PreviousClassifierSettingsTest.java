package org.resumelb.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.resumelb.agent.config.ConfigException;
import org.resumelb.agent.protocol.Protocol;

/** {@code previousClassifier}: unset by default, read with its fingerprint, and refused where it could do nothing. */
class PreviousClassifierSettingsTest {

    @Test
    void unsetByDefault() {
        assertNull(BoundariesSettingsTest.read(Map.of()).previousClassifier());
    }

    @Test
    void readWithTheFingerprintOfItsSpec() {
        ProxySettings s = BoundariesSettingsTest.read(Map.of("classifier", "path:2", "previousClassifier", " host "));
        assertEquals("host", s.previousClassifier().spec());
        assertEquals(Protocol.fingerprint("host"), s.previousClassifier().fingerprint());
        assertEquals(Protocol.fingerprint("path:2"), s.classifierFingerprint());
    }

    @Test
    void refusedWhenInvalidWhenTheClassifierItselfOrWithoutFingerprints() {
        for (Map<String, String> params : new Map[] {
                Map.of("previousClassifier", "colour:blue"),
                Map.of("previousClassifier", "host"),
                Map.of("classifier", "path:1", "previousClassifier", "path:1"),
                Map.of("classifier", "path:1", "previousClassifier", "host", "classifierFingerprint", "false")}) {
            ConfigException e = assertThrows(ConfigException.class, () -> BoundariesSettingsTest.read(params), params.toString());
            assertTrue(e.getMessage().contains("previousClassifier") && e.getMessage().contains(params.get("previousClassifier")),
                    e.getMessage());
        }
    }
}
