package org.resumelb.agent.resume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.resumelb.agent.protocol.Protocol;
import org.resumelb.agent.resume.ResumeException.Reason;

public class ResumeCodecTest {

    public static final ResumeCodec CODEC = new ResumeCodec(ResumeLimits.DEFAULT);
    public static final byte[] SECRET = "codec-test-secret-0123456789".getBytes(StandardCharsets.UTF_8);

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public static Resume sample() {
        return new Resume("http://10.0.0.5:8080/app", "10.0.0.5:8080/app#6f1c", "2.3.1", 42, 1795000000000L, false,
                Map.of("site-a", 12.5, "site-b", 3.25));
    }

    @Test
    void encodesTheDocumentOfTheDesign() {
        Resume r = new Resume("http://10.0.0.5:8080/app", "w#1", "2.3.1", 42, 1795000000000L, false, Map.of("site-a", 12.5));
        assertEquals("{\"v\":1,\"worker\":\"http://10.0.0.5:8080/app\",\"id\":\"w#1\",\"version\":\"2.3.1\",\"seq\":42,"
                + "\"sentAt\":1795000000000,\"draining\":false,\"skills\":{\"site-a\":12.5}}", new String(CODEC.encode(r), StandardCharsets.UTF_8));
    }

    @Test
    void roundTripsFieldForField() throws Exception {
        for (Resume r : new Resume[] {
                sample(),
                new Resume("https://w.example/app", "id", null, 0, 1, true, Map.of()),
                new Resume("http://w:1", "id", "v", Long.MAX_VALUE, 2, false, Map.of("ünïcødé/日本", 0.0, "x", 1e-300)),
                new Resume("http://w:1", "id", "v", 3, 2, false, Map.of("x", 1.0), "0123abcd4567ef89")}) {
            assertEquals(r, CODEC.decode(CODEC.encode(r)));
        }
    }

    @Test
    void theClassifierFieldIsOptionalAndMustBeAFingerprint() throws Exception {
        String plain = doc("\"http://w:1\"", "{}");
        assertEquals(null, CODEC.decode(utf8(plain)).classifier(), "absent: unknown, as from agents before fingerprints");
        assertEquals(null, CODEC.decode(utf8(plain.replace("\"skills\"", "\"classifier\":null,\"skills\""))).classifier());
        assertEquals("a1.b_c-d", CODEC.decode(utf8(plain.replace("\"skills\"", "\"classifier\":\"a1.b_c-d\",\"skills\""))).classifier());
        assertRejected(Reason.INVALID, "classifier: ", rejected(plain.replace("\"skills\"", "\"classifier\":\"has space\",\"skills\"")));
        assertRejected(Reason.INVALID, "classifier: ", rejected(plain.replace("\"skills\"", "\"classifier\":\"" + "f".repeat(65) + "\",\"skills\"")));
        assertRejected(Reason.MALFORMED, "classifier: expected a string", rejected(plain.replace("\"skills\"", "\"classifier\":7,\"skills\"")));
    }

    static ResumeException rejected(byte[] body, String signature) {
        return assertThrows(ResumeException.class, () -> CODEC.verifyAndDecode(SECRET, body, signature));
    }

    static ResumeException rejected(String json) {
        byte[] body = utf8(json);
        return rejected(body, Protocol.sign(SECRET, body));
    }

    static void assertRejected(Reason reason, String mentions, ResumeException e) {
        assertEquals(reason, e.reason(), e.getMessage());
        assertEquals(reason.status(), e.status());
        assertTrue(e.getMessage().contains(mentions), "'" + e.getMessage() + "' should mention " + mentions);
    }

    static String doc(String worker, String skills) {
        return "{\"v\":1,\"worker\":" + worker + ",\"id\":\"w#1\",\"version\":null,\"seq\":1,\"sentAt\":5,\"draining\":false,\"skills\":" + skills + "}";
    }

    @Test
    void refusesMissingWrongAndTamperedSignatures() {
        byte[] body = CODEC.encode(sample());
        assertRejected(Reason.BAD_SIGNATURE, "missing", rejected(body, null));
        assertRejected(Reason.BAD_SIGNATURE, "wrong signature", rejected(body, Protocol.sign(utf8("wrong-key-0123456789"), body)));
        assertRejected(Reason.BAD_SIGNATURE, "wrong signature", rejected(body, "sha256=" + Protocol.sign(SECRET, body).substring(3)));
        byte[] tampered = body.clone();
        tampered[tampered.length - 3] ^= 0x01;
        assertRejected(Reason.BAD_SIGNATURE, "wrong signature", rejected(tampered, Protocol.sign(SECRET, body)));
    }

    @Test
    void refusesMalformedJson() {
        assertRejected(Reason.MALFORMED, "not valid JSON", rejected("{\"v\":1,"));
        assertRejected(Reason.MALFORMED, "not valid JSON", rejected("{v:1}"));
        assertRejected(Reason.MALFORMED, "JSON object", rejected("[1,2]"));
        assertRejected(Reason.MALFORMED, "JSON object", rejected(""));
        assertRejected(Reason.MALFORMED, "trailing", rejected(doc("\"http://w:1\"", "{}") + "{}"));
        assertRejected(Reason.MALFORMED, "Duplicate field", rejected("{\"v\":1,\"v\":1}"));
        assertRejected(Reason.MALFORMED, "Duplicate field", rejected(doc("\"http://w:1\"", "{\"a\":1,\"a\":2}")));
        assertRejected(Reason.MALFORMED, "seq: expected an integer", rejected(doc("\"http://w:1\"", "{}").replace("\"seq\":1", "\"seq\":\"1\"")));
        assertRejected(Reason.MALFORMED, "worker: expected a string", rejected(doc("42", "{}")));
        assertRejected(Reason.MALFORMED, "skills: expected an object", rejected(doc("\"http://w:1\"", "[]")));
        assertRejected(Reason.MALFORMED, "expected a number", rejected(doc("\"http://w:1\"", "{\"a\":\"fast\"}")));
        assertRejected(Reason.MALFORMED, "draining", rejected(doc("\"http://w:1\"", "{}").replace("\"draining\":false", "\"draining\":1")));
    }

    @Test
    void refusesInvalidValues() {
        assertRejected(Reason.INVALID, "protocol version 2", rejected(doc("\"http://w:1\"", "{}").replace("\"v\":1", "\"v\":2")));
        assertRejected(Reason.INVALID, "worker: missing", rejected(doc("null", "{}").replace("\"worker\":null,", "")));
        for (String url : new String[] {"ftp://w/app", "file:///etc/passwd", "javascript:alert(1)", "/relative", "http:///nohost", "http://w:1/?q=1"}) {
            assertRejected(Reason.INVALID, "worker", rejected(doc("\"" + url + "\"", "{}")));
        }
        assertRejected(Reason.INVALID, "scheme must be http or https, got \"ftp\"", rejected(doc("\"ftp://w/app\"", "{}")));
        assertRejected(Reason.INVALID, "score NaN", rejected(doc("\"http://w:1\"", "{\"a\":NaN}")));
        assertRejected(Reason.INVALID, "score Infinity", rejected(doc("\"http://w:1\"", "{\"a\":Infinity}")));
        assertRejected(Reason.INVALID, "score -1", rejected(doc("\"http://w:1\"", "{\"a\":-1}")));
        assertRejected(Reason.INVALID, "skills[\"site\"]", rejected(doc("\"http://w:1\"", "{\"site\":-0.5}")));
        assertRejected(Reason.INVALID, "empty class", rejected(doc("\"http://w:1\"", "{\"\":1}")));
        assertRejected(Reason.INVALID, "longer than maxClassNameLength", rejected(doc("\"http://w:1\"", "{\"" + "x".repeat(10_000) + "\":1}")));
        assertRejected(Reason.INVALID, "control character", rejected(doc("\"http://w:1\"", "{\"a\\nb\":1}")));
        assertRejected(Reason.INVALID, "id: missing", rejected(doc("\"http://w:1\"", "{}").replace("\"id\":\"w#1\",", "")));
        assertRejected(Reason.INVALID, "sentAt", rejected(doc("\"http://w:1\"", "{}").replace("\"sentAt\":5", "\"sentAt\":0")));
        assertRejected(Reason.INVALID, "skills: missing", rejected(doc("\"http://w:1\"", "{}").replace(",\"skills\":{}", "")));
    }

    @Test
    void refusesTooManyClassesWithoutReadingThemAll() {
        ResumeCodec small = new ResumeCodec(new ResumeLimits(1 << 24, 100, 256, 2048, 256));
        Map<String, Double> skills = new HashMap<>();
        for (int i = 0; i < 101; i++) {
            skills.put("c" + i, 1.0);
        }
        byte[] body = CODEC.encode(new Resume("http://w:1", "id", null, 1, 1, false, skills));
        ResumeException e = assertThrows(ResumeException.class, () -> small.decode(body));
        assertRejected(Reason.INVALID, "more than maxClasses 100", e);
        skills.remove("c0");
        assertEquals(100, assertDoesNotThrowDecode(small, CODEC.encode(new Resume("http://w:1", "id", null, 1, 1, false, skills))).skills().size());
        // 100k classes against the default limits: refused (by size or count), never parsed whole.
        StringBuilder b = new StringBuilder("{");
        for (int i = 0; i < 100_000; i++) {
            b.append(i == 0 ? "" : ",").append("\"c").append(i).append("\":1");
        }
        byte[] huge = utf8(doc("\"http://w:1\"", b.append("}").toString()));
        ResumeException big = assertThrows(ResumeException.class, () -> CODEC.decode(huge));
        assertTrue(big.reason() == Reason.TOO_LARGE || big.reason() == Reason.INVALID, big.getMessage());
    }

    static Resume assertDoesNotThrowDecode(ResumeCodec codec, byte[] body) {
        try {
            return codec.decode(body);
        } catch (ResumeException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void refusesOversizedBodiesBeforeCheckingAnything() {
        byte[] body = new byte[ResumeLimits.DEFAULT.maxBodyBytes() + 1];
        assertRejected(Reason.TOO_LARGE, "exceeds maxBodyBytes 1048576", rejected(body, null));
    }

    @Test
    void roundTripsTheWeightAndWritesItOnlyWhenItIsNotOne() throws Exception {
        for (double weight : new double[] {Resume.MIN_WEIGHT, 0.5, 3.0, 2.75, 17, Resume.MAX_WEIGHT}) {
            Resume r = new Resume("http://w:1", "id", "v", 3, 4, false, Map.of("a", 1.0), weight);
            byte[] body = CODEC.encode(r);
            assertTrue(new String(body, StandardCharsets.UTF_8).contains("\"weight\":"), "written: " + weight);
            assertEquals(r, CODEC.decode(body));
            assertEquals(weight, CODEC.decode(body).weight());
        }
        Resume ordinary = sample();
        assertEquals(Resume.DEFAULT_WEIGHT, ordinary.weight());
        String json = new String(CODEC.encode(ordinary), StandardCharsets.UTF_8);
        assertFalse(json.contains("weight"), "a worker of weight 1 sends what it sent before weights existed: " + json);
        assertEquals(ordinary, CODEC.decode(utf8(json)));
    }

    @Test
    void aResumeWithoutWeightFromAnOlderAgentHasWeightOne() throws Exception {
        // The document of docs/protocol.md, section 3.1, as agents wrote it before weights existed.
        Resume old = CODEC.verifyAndDecode(DOC_SECRET, utf8(DOC_EXAMPLE), DOC_SIGNATURE);
        assertEquals(1.0, old.weight());
        assertEquals(Map.of("site-a", 12.5, "site-b", 3.25), old.skills());
        // ... and it is encoded again as that example (the order of the classes aside): no weight member.
        String again = new String(CODEC.encode(old), StandardCharsets.UTF_8);
        assertEquals(DOC_EXAMPLE.length(), again.length(), again);
        assertTrue(again.startsWith(DOC_EXAMPLE.substring(0, DOC_EXAMPLE.indexOf("\"skills\""))), again);
    }

    /** The worked example of docs/protocol.md (sections 3.1, 5.2 and 14). */
    static final String DOC_EXAMPLE = "{\"v\":1,\"worker\":\"http://10.0.0.5:8080/app\",\"id\":\"10.0.0.5:8080/app#6f1c2a9b3d4e5f60\","
            + "\"version\":\"2.3.1\",\"seq\":42,\"sentAt\":1795000000000,\"draining\":false,\"skills\":{\"site-a\":12.5,\"site-b\":3.25}}";
    static final String DOC_WEIGHTED = DOC_EXAMPLE.replace("\"draining\":false,", "\"draining\":false,\"weight\":3.0,");
    static final byte[] DOC_SECRET = utf8("example-secret-0123456789abcdef");
    static final String DOC_SIGNATURE = "v1=e004ed59e590c0e16a17fa56c679bd49ae4d39b1060e17cd933545fccaedb729";
    static final String DOC_WEIGHTED_SIGNATURE = "v1=d99fd73f0884196db331fa06ce52ef87326191ccb10d676f2643e022fd053848";

    @Test
    void theWeightedExampleOfTheProtocolIsWhatTheCodecWritesAndItsSignatureCoversTheWeight() throws Exception {
        assertEquals(191, utf8(DOC_EXAMPLE).length);
        assertEquals(DOC_SIGNATURE, Protocol.sign(DOC_SECRET, utf8(DOC_EXAMPLE)));
        assertEquals(DOC_WEIGHTED_SIGNATURE, Protocol.sign(DOC_SECRET, utf8(DOC_WEIGHTED)));
        Resume weighted = CODEC.verifyAndDecode(DOC_SECRET, utf8(DOC_WEIGHTED), DOC_WEIGHTED_SIGNATURE);
        assertEquals(3.0, weighted.weight());
        String reencoded = new String(CODEC.encode(weighted), StandardCharsets.UTF_8);
        assertEquals(DOC_WEIGHTED.length(), reencoded.length());
        assertEquals(weighted, CODEC.decode(utf8(reencoded)));
        assertTrue(reencoded.startsWith(DOC_WEIGHTED.substring(0, DOC_WEIGHTED.indexOf("\"skills\""))), reencoded);
        // The signature covers the weight like any other member: another weight under the same signature is refused.
        assertRejected(Reason.BAD_SIGNATURE, "wrong signature",
                rejected(utf8(DOC_WEIGHTED.replace("\"weight\":3.0", "\"weight\":9.0")), DOC_WEIGHTED_SIGNATURE));
    }

    @Test
    void refusesWeightsOfTheWrongTypeOrOutOfRange() {
        String base = doc("\"http://w:1\"", "{}");
        for (String bad : new String[] {"\"3\"", "null", "true", "[3]", "{}"}) {
            assertRejected(Reason.MALFORMED, "weight: expected a number", rejected(base.replace("\"draining\":false", "\"weight\":" + bad
                    + ",\"draining\":false")));
        }
        for (String bad : new String[] {"0", "-1", "0.001", "0.0099", "1000.5", "1e999", "NaN", "Infinity", "-Infinity"}) {
            ResumeException e = rejected(base.replace("\"draining\":false", "\"draining\":false,\"weight\":" + bad));
            assertRejected(Reason.INVALID, "weight: " + bad + " is not a number from 0.01 to 1000", e);
        }
        assertRejected(Reason.MALFORMED, "Duplicate field 'weight'",
                rejected(base.replace("\"draining\":false", "\"weight\":2,\"draining\":false,\"weight\":2")));
        // The bounds themselves, written as integers or decimals, are accepted.
        for (String good : new String[] {"0.01", "1000", "1", "1.0", "2", "1e2"}) {
            assertDoesNotThrowDecode(CODEC, utf8(base.replace("\"draining\":false", "\"draining\":false,\"weight\":" + good)));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Resume("http://w:1", "id", null, 1, 1, false, Map.of(), 0.0));
        assertTrue(e.getMessage().contains("weight 0.0 is not a number from 0.01 to 1000"), e.getMessage());
    }

    @Test
    void ignoresUnknownFieldsForForwardCompatibility() throws Exception {
        String json = doc("\"http://w:1\"", "{\"a\":1}").replace("\"v\":1,", "\"v\":1,\"future\":{\"x\":[1,2,{}]},");
        assertEquals(Map.of("a", 1.0), CODEC.decode(utf8(json)).skills());
    }
}
