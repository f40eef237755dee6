package org.resumelb.agent.protocol;

import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The ResumeLB wire protocol, version 1, in one place: the headers, the
 * endpoint paths and the signature scheme that workers (the filter) and the
 * load balancer (the proxy) share. The résumé document itself is encoded and
 * decoded by {@link org.resumelb.agent.resume.ResumeCodec}, whose {@code "v"}
 * field carries {@link #VERSION}.
 *
 * <ul>
 *   <li>A worker pushes its résumé with {@code POST {lb}{prefix}/resumes}
 *       ({@link #resumesPath(String)}), signed in {@link #SIGNATURE_HEADER};
 *       a load balancer may instead pull it with {@code GET {worker}{prefix}/resume}
 *       ({@link #resumePath(String)}). The prefix is {@link #DEFAULT_PREFIX}
 *       unless configured otherwise (the {@code prefix} setting, on both sides alike).</li>
 *   <li>The load balancer tells the worker the request's class in
 *       {@link #CLASS_HEADER}; every header starting with
 *       {@link #INTERNAL_HEADER_PREFIX} is the load balancer's own, and those
 *       sent by clients are stripped ({@link #isInternalHeader(String)}). The worker tells its load in
 *       {@link #LOAD_HEADER} of each response, which the load balancer strips.</li>
 *   <li>Signatures ({@link #sign}, {@link #verify}) are {@code v1=} and the
 *       lower-case hex HMAC-SHA256 of the raw body under the shared secret; a
 *       refused signed call answers 401 with {@code WWW-Authenticate:}
 *       {@link #AUTH_CHALLENGE}.</li>
 * </ul>
 *
 * <p>Constants and stateless static methods only; thread-safe.
 */
public final class Protocol {

    /** The protocol version, the {@code "v"} field of every résumé. */
    public static final int VERSION = 1;

    /** Headers starting with this (case-insensitively) belong to ResumeLB, never to clients. */
    public static final String INTERNAL_HEADER_PREFIX = "X-ResumeLB-";

    /** The request class the load balancer chose, sent to the worker with the forwarded request. */
    public static final String CLASS_HEADER = "X-ResumeLB-Class";

    /**
     * The fingerprint of the classifier that produced {@link #CLASS_HEADER}'s class
     * ({@link #fingerprint}), sent beside it. A worker whose skills were learned
     * under another fingerprint starts its résumé afresh; a load balancer ignores
     * the skills of a résumé whose {@code classifier} field is another fingerprint.
     */
    public static final String CLASSIFIER_HEADER = "X-ResumeLB-Classifier";

    /**
     * The worker's own load, added by its filter to every response to a request
     * that came with {@link #CLASS_HEADER} and stripped by the load balancer:
     * {@code <in-flight>;<mean>}, its requests in flight from all load balancers
     * together and their recent decayed mean
     * ({@link org.resumelb.agent.load.LoadReport} has the grammar).
     */
    public static final String LOAD_HEADER = "X-ResumeLB-Load";

    /** What a classifier fingerprint may be, in the header and in a résumé's {@code classifier} field. */
    public static final java.util.regex.Pattern FINGERPRINT = java.util.regex.Pattern.compile("[0-9A-Za-z._-]{1,64}");

    /** The signature of a signed body: {@code v1=<hex HMAC-SHA256(secret, body)>}. */
    public static final String SIGNATURE_HEADER = "X-ResumeLB-Signature";

    /** The scheme that starts a version 1 signature. */
    public static final String SIGNATURE_SCHEME = "v1=";

    /** The {@code WWW-Authenticate} value sent with a 401 to a signed call that was refused. */
    public static final String AUTH_CHALLENGE = "HMAC-SHA256 realm=\"resumelb\", header=\"" + SIGNATURE_HEADER + "\"";

    /** The path under which ResumeLB's own endpoints live, unless configured otherwise. */
    public static final String DEFAULT_PREFIX = "/_resumelb";

    /** A worker's current résumé ({@code GET}), relative to the prefix. */
    public static final String RESUME_PATH = "/resume";

    /** Where the load balancer receives résumés ({@code POST}), relative to the prefix. */
    public static final String RESUMES_PATH = "/resumes";

    private static final String HMAC = "HmacSHA256";

    private Protocol() {
    }

    /** {@code prefix + "/resume"}: the worker's résumé endpoint. */
    public static String resumePath(String prefix) {
        return prefix + RESUME_PATH;
    }

    /** {@code prefix + "/resumes"}: the load balancer's push endpoint. */
    public static String resumesPath(String prefix) {
        return prefix + RESUMES_PATH;
    }

    /**
     * A classifier's fingerprint: the first 8 bytes, in lower-case hex, of the
     * SHA-256 of {@code "resumelb-classifier:"} and its {@code classifier}
     * setting, trimmed. The same setting gives the same fingerprint in every
     * load balancer; another setting (another spelling too) gives another one.
     */
    public static String fingerprint(String classifierSetting) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(
                    ("resumelb-classifier:" + classifierSetting.trim()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    /** Whether {@code name} is a ResumeLB header ({@link #INTERNAL_HEADER_PREFIX}, any case). */
    public static boolean isInternalHeader(String name) {
        return name != null && name.regionMatches(true, 0, INTERNAL_HEADER_PREFIX, 0, INTERNAL_HEADER_PREFIX.length());
    }

    /** {@code v1=} and the lower-case hex HMAC-SHA256 of {@code body} under {@code secret}. */
    public static String sign(byte[] secret, byte[] body) {
        return SIGNATURE_SCHEME + HexFormat.of().formatHex(hmac(secret, body));
    }

    /**
     * Whether {@code header} is a valid {@code v1=} signature of {@code body}
     * (surrounding spaces and the case of the hex digits tolerated); compared
     * in constant time. False for a null header.
     */
    public static boolean verify(byte[] secret, byte[] body, String header) {
        if (header == null) {
            return false;
        }
        String h = header.trim();
        if (!h.regionMatches(true, 0, SIGNATURE_SCHEME, 0, SIGNATURE_SCHEME.length()) || h.length() != SIGNATURE_SCHEME.length() + 64) {
            return false;
        }
        byte[] given;
        try {
            given = HexFormat.of().parseHex(h.substring(SIGNATURE_SCHEME.length()).toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(hmac(secret, body), given);
    }

    private static byte[] hmac(byte[] secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(secret, HMAC));
            return mac.doFinal(body);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }
}
