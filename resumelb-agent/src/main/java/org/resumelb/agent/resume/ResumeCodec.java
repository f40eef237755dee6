package org.resumelb.agent.resume;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;

import org.resumelb.agent.protocol.Protocol;

/**
 * The résumé wire format (docs/protocol.md): JSON,
 * signed with HMAC-SHA256 over the raw body in the {@code X-ResumeLB-Signature}
 * header as {@code v1=<hex>} (the headers, paths and signature scheme are in
 * {@link Protocol}).
 *
 * <p>Decoding is strict and bounded: the size is checked before anything is
 * parsed, the JSON is read with Jackson's streaming parser (duplicate keys,
 * wrong types and trailing content are refused; unknown fields are skipped for
 * forward compatibility), a résumé with too many classes is refused as soon as
 * the count is exceeded, and every value is validated. The optional
 * {@code weight} is {@link Resume#DEFAULT_WEIGHT} when absent, so documents of
 * agents that predate it are read as before. Each refusal is a
 * {@link ResumeException} whose reason fixes the HTTP status and whose message
 * names the field.
 *
 * <p>Immutable and thread-safe; one instance serves all threads.
 */
public final class ResumeCodec {

    private final ResumeLimits limits;
    private final JsonFactory json;

    public ResumeCodec(ResumeLimits limits) {
        this.limits = limits;
        this.json = JsonFactory.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                // Parse NaN and Infinity so that they are reported as invalid scores, by name.
                .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                // Scores are doubles: the JDK's exact parser and printer dominated a 1000-class résumé's
                // cost (BigInteger arithmetic, a String per number; JMH CodecBenchmark with -prof jfr).
                .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
                .enable(com.fasterxml.jackson.core.StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
                .build();
    }

    public ResumeLimits limits() {
        return limits;
    }

    /**
     * The JSON document, fields in protocol order. {@code weight} is written
     * only when it is not {@link Resume#DEFAULT_WEIGHT}, which its absence
     * means: the document of an ordinary worker is byte for byte what it was
     * before weights existed.
     */
    public byte[] encode(Resume r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128 + r.skills().size() * 32);
        try (JsonGenerator g = json.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeNumberField("v", Protocol.VERSION);
            g.writeStringField("worker", r.worker());
            g.writeStringField("id", r.id());
            if (r.version() == null) {
                g.writeNullField("version");
            } else {
                g.writeStringField("version", r.version());
            }
            g.writeNumberField("seq", r.seq());
            g.writeNumberField("sentAt", r.sentAt());
            g.writeBooleanField("draining", r.draining());
            if (r.weight() != Resume.DEFAULT_WEIGHT) {
                g.writeNumberField("weight", r.weight());
            }
            if (r.classifier() != null) {
                g.writeStringField("classifier", r.classifier());
            }
            g.writeObjectFieldStart("skills");
            for (Map.Entry<String, Double> e : r.skills().entrySet()) {
                g.writeNumberField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * Checks the size, then the signature (skipped when {@code secret} is null:
     * insecure mode, which the caller logs), then decodes and validates.
     */
    public Resume verifyAndDecode(byte[] secret, byte[] body, String signatureHeader) throws ResumeException {
        checkSize(body);
        if (secret != null && !Protocol.verify(secret, body, signatureHeader)) {
            throw new ResumeException(ResumeException.Reason.BAD_SIGNATURE, signatureHeader == null
                    ? "missing " + Protocol.SIGNATURE_HEADER + " header"
                    : "wrong signature in " + Protocol.SIGNATURE_HEADER + " (expected v1=<hex HMAC-SHA256 of the body>)");
        }
        return decode(body);
    }

    private void checkSize(byte[] body) throws ResumeException {
        if (body.length > limits.maxBodyBytes()) {
            throw new ResumeException(ResumeException.Reason.TOO_LARGE,
                    "body of " + body.length + " bytes exceeds maxBodyBytes " + limits.maxBodyBytes());
        }
    }

    /** Parses and validates a document (no signature check). */
    public Resume decode(byte[] body) throws ResumeException {
        checkSize(body);
        Fields f = new Fields();
        try (JsonParser p = json.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw malformed("the document must be a JSON object");
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                switch (name) {
                    case "v" -> f.v = integer(p, value, name);
                    case "worker" -> f.worker = string(p, value, name);
                    case "id" -> f.id = string(p, value, name);
                    case "version" -> f.version = value == JsonToken.VALUE_NULL ? null : string(p, value, name);
                    case "seq" -> f.seq = integer(p, value, name);
                    case "sentAt" -> f.sentAt = integer(p, value, name);
                    case "draining" -> {
                        if (value != JsonToken.VALUE_TRUE && value != JsonToken.VALUE_FALSE) {
                            throw malformed("draining: expected true or false, got " + value);
                        }
                        f.draining = value == JsonToken.VALUE_TRUE;
                    }
                    case "weight" -> f.weight = weight(p, value);
                    case "skills" -> f.skills = skills(p, value);
                    case "classifier" -> f.classifier = value == JsonToken.VALUE_NULL ? null : string(p, value, name);
                    default -> p.skipChildren();
                }
            }
            if (t != JsonToken.END_OBJECT) {
                throw malformed("unexpected " + t + " in the document");
            }
            if (p.nextToken() != null) {
                throw malformed("trailing content after the document");
            }
        } catch (JsonProcessingException e) {
            throw malformed("not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw malformed("unreadable: " + e.getMessage());
        }
        return validate(f);
    }

    private static final class Fields {
        Long v;
        String worker;
        String id;
        String version;
        Long seq;
        Long sentAt;
        boolean draining;
        double weight = Resume.DEFAULT_WEIGHT;
        Map<String, Double> skills;
        String classifier;
    }

    private static long integer(JsonParser p, JsonToken value, String name) throws IOException, ResumeException {
        if (value != JsonToken.VALUE_NUMBER_INT) {
            throw malformed(name + ": expected an integer, got " + value);
        }
        if (p.getNumberType() != JsonParser.NumberType.INT && p.getNumberType() != JsonParser.NumberType.LONG) {
            throw invalid(name + ": integer out of range");
        }
        return p.getLongValue();
    }

    private static String string(JsonParser p, JsonToken value, String name) throws IOException, ResumeException {
        if (value != JsonToken.VALUE_STRING) {
            throw malformed(name + ": expected a string, got " + value);
        }
        return p.getText();
    }

    private static double weight(JsonParser p, JsonToken value) throws IOException, ResumeException {
        if (value != JsonToken.VALUE_NUMBER_INT && value != JsonToken.VALUE_NUMBER_FLOAT) {
            throw malformed("weight: expected a number, got " + value);
        }
        double w = p.getDoubleValue();
        if (!Resume.validWeight(w)) {
            throw invalid("weight: " + p.getText() + " is not " + Resume.WEIGHTS);
        }
        return w;
    }

    private Map<String, Double> skills(JsonParser p, JsonToken value) throws IOException, ResumeException {
        if (value != JsonToken.START_OBJECT) {
            throw malformed("skills: expected an object of class -> requests per second, got " + value);
        }
        Map<String, Double> skills = new HashMap<>();
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String requestClass = p.currentName();
            if (skills.size() >= limits.maxClasses()) {
                throw invalid("skills: more than maxClasses " + limits.maxClasses() + " classes");
            }
            checkClassName(requestClass);
            JsonToken score = p.nextToken();
            if (score != JsonToken.VALUE_NUMBER_INT && score != JsonToken.VALUE_NUMBER_FLOAT) {
                throw malformed("skills[" + ResumeException.quote(requestClass) + "]: expected a number, got " + score);
            }
            double s = p.getDoubleValue();
            if (!Double.isFinite(s) || s < 0) {
                throw invalid("skills[" + ResumeException.quote(requestClass) + "]: score " + p.getText()
                        + " is not a finite non-negative number");
            }
            skills.put(requestClass, s);
        }
        if (t != JsonToken.END_OBJECT) {
            throw malformed("skills: unexpected " + t);
        }
        return skills;
    }

    private void checkClassName(String requestClass) throws ResumeException {
        if (requestClass.isEmpty()) {
            throw invalid("skills: empty class name");
        }
        if (requestClass.length() > limits.maxClassNameLength()) {
            throw invalid("skills: class name " + ResumeException.quote(requestClass) + " is longer than maxClassNameLength "
                    + limits.maxClassNameLength());
        }
        for (int i = 0; i < requestClass.length(); i++) {
            if (Character.isISOControl(requestClass.charAt(i))) {
                throw invalid("skills: class name " + ResumeException.quote(requestClass) + " contains a control character");
            }
        }
    }

    private Resume validate(Fields f) throws ResumeException {
        if (f.v == null) {
            throw invalid("v: missing protocol version");
        }
        if (f.v != Protocol.VERSION) {
            throw invalid("v: protocol version " + f.v + " is not supported (this load balancer speaks " + Protocol.VERSION + ")");
        }
        checkUrl(f.worker);
        if (f.id == null || f.id.isEmpty()) {
            throw invalid("id: missing");
        }
        if (f.id.length() > limits.maxIdLength()) {
            throw invalid("id: longer than " + limits.maxIdLength() + " characters");
        }
        if (f.version != null && f.version.length() > limits.maxIdLength()) {
            throw invalid("version: longer than " + limits.maxIdLength() + " characters");
        }
        if (f.seq == null || f.seq < 0) {
            throw invalid("seq: missing or negative");
        }
        if (f.sentAt == null || f.sentAt <= 0) {
            throw invalid("sentAt: missing or not positive");
        }
        if (f.skills == null) {
            throw invalid("skills: missing");
        }
        if (f.classifier != null && !Protocol.FINGERPRINT.matcher(f.classifier).matches()) {
            throw invalid("classifier: " + ResumeException.quote(f.classifier)
                    + " is not a classifier fingerprint (1 to 64 letters, digits, '.', '_' or '-')");
        }
        return new Resume(f.worker, f.id, f.version, f.seq, f.sentAt, f.draining, f.skills, f.weight, f.classifier);
    }

    private void checkUrl(String worker) throws ResumeException {
        if (worker == null) {
            throw invalid("worker: missing");
        }
        if (worker.length() > limits.maxUrlLength()) {
            throw invalid("worker: URL longer than maxUrlLength " + limits.maxUrlLength());
        }
        URI uri;
        try {
            uri = new URI(worker);
        } catch (URISyntaxException e) {
            throw invalid("worker: not a URL: " + ResumeException.quote(worker));
        }
        String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            throw invalid("worker: URL scheme must be http or https, got " + (scheme == null ? "none" : ResumeException.quote(scheme)));
        }
        if (uri.getHost() == null || uri.getRawUserInfo() != null) {
            throw invalid("worker: URL needs a host (and no user info): " + ResumeException.quote(worker));
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null || worker.endsWith("/")) {
            throw invalid("worker: a base URL takes no query, fragment or trailing slash: " + ResumeException.quote(worker));
        }
    }

    private static ResumeException malformed(String message) {
        return new ResumeException(ResumeException.Reason.MALFORMED, message);
    }

    private static ResumeException invalid(String message) {
        return new ResumeException(ResumeException.Reason.INVALID, message);
    }
}
