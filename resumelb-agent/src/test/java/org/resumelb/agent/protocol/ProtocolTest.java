package org.resumelb.agent.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.resumelb.agent.resume.Resume;
import org.resumelb.agent.resume.ResumeCodecTest;
import org.resumelb.agent.resume.ResumeCodec;
import org.resumelb.agent.resume.ResumeLimits;

class ProtocolTest {

    static final ResumeCodec CODEC = ResumeCodecTest.CODEC;
    static final byte[] SECRET = ResumeCodecTest.SECRET;

    static byte[] utf8(String s) {
        return ResumeCodecTest.utf8(s);
    }

    static Resume sample() {
        return ResumeCodecTest.sample();
    }

    @Test
    void theWireNamesOfVersion1() {
        // Pinned literally: changing any of these breaks deployed workers or load balancers.
        assertEquals(1, Protocol.VERSION);
        assertEquals("X-ResumeLB-", Protocol.INTERNAL_HEADER_PREFIX);
        assertEquals("X-ResumeLB-Class", Protocol.CLASS_HEADER);
        assertEquals("X-ResumeLB-Signature", Protocol.SIGNATURE_HEADER);
        assertEquals("HMAC-SHA256 realm=\"resumelb\", header=\"X-ResumeLB-Signature\"", Protocol.AUTH_CHALLENGE);
        assertEquals("/_resumelb", Protocol.DEFAULT_PREFIX);
        assertEquals("/_resumelb/resume", Protocol.resumePath(Protocol.DEFAULT_PREFIX));
        assertEquals("/_resumelb/resumes", Protocol.resumesPath(Protocol.DEFAULT_PREFIX));
        assertEquals("/lb/resumes", Protocol.resumesPath("/lb"));
        assertTrue(Protocol.isInternalHeader(Protocol.CLASS_HEADER));
        assertTrue(Protocol.isInternalHeader(Protocol.SIGNATURE_HEADER));
    }

    @Test
    void internalHeadersAreRecognizedInAnyCase() {
        assertTrue(Protocol.isInternalHeader("X-ResumeLB-Class"));
        assertTrue(Protocol.isInternalHeader("x-resumelb-anything"));
        assertTrue(Protocol.isInternalHeader("X-RESUMELB-"));
        assertFalse(Protocol.isInternalHeader("X-ResumeLB"));
        assertFalse(Protocol.isInternalHeader("X-Forwarded-For"));
        assertFalse(Protocol.isInternalHeader("Y-ResumeLB-Class"));
        assertFalse(Protocol.isInternalHeader(""));
        assertFalse(Protocol.isInternalHeader(null));
    }

    @Test
    void signsWithHmacSha256AsRfc4231() {
        // RFC 4231 test case 2
        assertEquals("v1=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
                Protocol.sign(utf8("Jefe"), utf8("what do ya want for nothing?")));
    }

    @Test
    void verifiesOnlyTheRightSignature() {
        byte[] body = CODEC.encode(sample());
        String sig = Protocol.sign(SECRET, body);
        assertTrue(Protocol.verify(SECRET, body, sig));
        assertTrue(Protocol.verify(SECRET, body, "  " + sig.toUpperCase().replace("V1=", "v1=") + " "), "hex case and spaces tolerated");
        assertFalse(Protocol.verify(SECRET, body, null));
        assertFalse(Protocol.verify(SECRET, body, sig.replace("v1=", "v2=")));
        assertFalse(Protocol.verify(SECRET, body, "v1=zz" + sig.substring(5)));
        assertFalse(Protocol.verify(utf8("another-secret-0123456789"), body, sig));
        byte[] flipped = body.clone();
        flipped[10] ^= 1;
        assertFalse(Protocol.verify(SECRET, flipped, sig));
    }

    @Test
    void refusesSignaturesOfTheWrongShape() {
        byte[] body = utf8("{}");
        String sig = Protocol.sign(SECRET, body);
        assertTrue(sig.startsWith(Protocol.SIGNATURE_SCHEME));
        assertEquals(Protocol.SIGNATURE_SCHEME.length() + 64, sig.length());
        assertFalse(Protocol.verify(SECRET, body, ""));
        assertFalse(Protocol.verify(SECRET, body, sig.substring(0, sig.length() - 2)), "truncated");
        assertFalse(Protocol.verify(SECRET, body, sig + "00"), "too long");
        assertFalse(Protocol.verify(SECRET, body, sig.substring(Protocol.SIGNATURE_SCHEME.length())), "no scheme");
        assertTrue(Protocol.verify(SECRET, body, "V1=" + sig.substring(3)), "scheme in any case");
    }
}
