package org.resumelb.proxy.operations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.resumelb.agent.protocol.Protocol;
import org.resumelb.proxy.membership.WorkerDirectory;
import org.resumelb.proxy.pool.SwitchablePool;

/** An admin call's signature covers its method and path as well as its body: a captured body cannot be replayed elsewhere. */
class AdminSignatureTest {

    static final byte[] KEY = "admin-signature-secret-0123456789".getBytes(StandardCharsets.UTF_8);
    static final String SETTINGS = "/_resumelb/admin/settings";
    static final String RESET = "/_resumelb/admin/reset-skills";

    final SwitchablePool pool = new SwitchablePool("resume", RuntimeSettings.DEFAULTS.pool());
    final WorkerDirectory directory = new WorkerDirectory(pool, Duration.ofMinutes(1), Duration.ofMinutes(5), Clock.systemUTC());
    final Admin admin = new Admin(KEY, Duration.ofMinutes(5), Clock.systemUTC(), pool, directory, null, RuntimeSettings.DEFAULTS);

    @AfterEach
    void close() {
        directory.close();
    }

    static byte[] body(String members) {
        return ("{\"sentAt\":" + System.currentTimeMillis() + ",\"nonce\":\"" + UUID.randomUUID() + "\"" + members + "}")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theSignedBytesAreMethodPathNewlineBody() {
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        assertEquals("POST /_resumelb/admin/settings\n{}", new String(Admin.signed(SETTINGS, body), StandardCharsets.UTF_8));
        assertEquals(Protocol.sign(KEY, "POST /_resumelb/admin/settings\n{}".getBytes(StandardCharsets.UTF_8)),
                Admin.sign(KEY, SETTINGS, body));
        // The test vector of docs/protocol.md, section 11, also computed with openssl.
        byte[] vector = "{\"sentAt\":1795981390000,\"nonce\":\"9f1c0a4e5b6d7e8f\",\"settings\":{\"variance\":1.5}}"
                .getBytes(StandardCharsets.UTF_8);
        assertEquals("v1=f130d3f48c7da3fed7efd19dc97877d2f0565a2a739ba4e1b028e8403372c638",
                Admin.sign("example-secret-0123456789abcdef".getBytes(StandardCharsets.UTF_8), SETTINGS, vector));
    }

    @Test
    void aBodySignedForOneCallIsRefusedByAnother() {
        directory.pulled("http://10.0.0.1:8080", new org.resumelb.agent.resume.Resume("http://10.0.0.1:8080", "w#1", "1", 1,
                System.currentTimeMillis(), false, Map.of("site", 3.0)));
        byte[] captured = body(",\"settings\":{\"variance\":2}");
        String signature = Admin.sign(KEY, SETTINGS, captured);
        Admin.Answer replayed = admin.handle(RESET, "/reset-skills", captured, signature);
        assertEquals(401, replayed.status());
        assertTrue(replayed.body().contains("\"POST /_resumelb/admin/reset-skills\\n\" + body"), replayed.body());
        assertEquals(Map.of("site", 3.0), pool.snapshot().worker("http://10.0.0.1:8080").skills(), "nothing was reset");

        assertEquals(401, admin.handle(SETTINGS, "/settings", captured, Protocol.sign(KEY, captured)).status(),
                "the body alone (a résumé push's scheme) no longer signs an admin call");
        assertEquals(401, admin.handle("/other/admin/settings", "/settings", captured, signature).status(), "another prefix");
        assertEquals(1.0, admin.inForce().pool().variance(), "nothing changed");

        assertEquals(200, admin.handle(SETTINGS, "/settings", captured, signature).status());
        assertEquals(2.0, admin.inForce().pool().variance());
        byte[] reset = body("");
        assertEquals(200, admin.handle(RESET, "/reset-skills", reset, Admin.sign(KEY, RESET, reset)).status());
        assertEquals(Map.of(), pool.snapshot().worker("http://10.0.0.1:8080").skills());
    }
}
