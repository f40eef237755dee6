package org.resumelb.proxy.membership;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.NoSuchAlgorithmException;
import java.security.UnrecoverableKeyException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.Collections;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

/**
 * How the load balancer trusts workers that announce {@code https://} URLs:
 * the one {@link SSLContext} every client that talks to workers uses (the
 * proxy's forwarding client, the probe of {@link Readmission}, the pulls of
 * {@link StaticWorkerPuller}), trusting the certificates of the trust store
 * in setting {@code workerTrustStore} (PKCS12 or JKS), or, when it is unset,
 * the JVM's default trust store. Verification is never off: a certificate
 * must chain to a trusted one and name the worker's host
 * ({@link #ENDPOINT_IDENTIFICATION}).
 *
 * <p>{@link #describe} turns a failure into the words of a log line, naming
 * what did not trust the worker's certificate. Immutable and thread-safe
 * (an {@link SSLContext} is).
 */
public final class WorkerTls {

    /** Host name verification of every TLS connection to a worker: the certificate must name the host of its URL. */
    public static final String ENDPOINT_IDENTIFICATION = "HTTPS";

    private final SSLContext context;
    /** What trusts workers, in the words of a log line. */
    private final String trustedBy;

    private WorkerTls(SSLContext context, String trustedBy) {
        this.context = context;
        this.trustedBy = trustedBy;
    }

    /**
     * The JVM's default trust store ({@code javax.net.ssl.trustStore}, else the
     * JDK's {@code cacerts}): the trust of workers when {@code workerTrustStore}
     * is unset.
     */
    public static WorkerTls jvmDefault() {
        try {
            return new WorkerTls(SSLContext.getDefault(), "the JVM's default trust store (setting workerTrustStore unset)");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no default TLS context", e);
        }
    }

    /**
     * Trust in exactly the certificates of the PKCS12 or JKS trust store at
     * {@code store} (its type is found from its content).
     *
     * @param password the store's password; null opens it without checking its integrity (a store whose
     *     certificates are encrypted then shows none)
     * @throws IllegalArgumentException saying in a few words why the store cannot be used: missing, unreadable,
     *     not a trust store, wrong password, no certificate; never showing the password
     */
    public static WorkerTls load(Path store, char[] password) {
        if (!Files.isRegularFile(store)) {
            throw new IllegalArgumentException("no such file");
        }
        if (!Files.isReadable(store)) {
            throw new IllegalArgumentException("the file is not readable");
        }
        KeyStore keyStore;
        try {
            keyStore = KeyStore.getInstance(store.toFile(), password);
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException) {
                throw new IllegalArgumentException("the password does not open it (check workerTrustStorePassword"
                        + " or workerTrustStorePasswordFile)");
            }
            throw new IllegalArgumentException("cannot read it as a PKCS12 or JKS trust store: " + e.getMessage());
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("not a PKCS12 or JKS trust store (" + e.getMessage() + ")");
        }
        int certificates = 0;
        try {
            for (String alias : Collections.list(keyStore.aliases())) {
                if (keyStore.getCertificate(alias) != null) {
                    certificates++;
                }
            }
            if (certificates == 0) {
                throw new IllegalArgumentException("it holds no certificate" + (password == null
                        ? " that can be read without a password (set workerTrustStorePassword or workerTrustStorePasswordFile)" : ""));
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(keyStore);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return new WorkerTls(context, "workerTrustStore " + store);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot trust its certificates: " + e);
        }
    }

    /** The TLS context of every connection to a worker. */
    public SSLContext sslContext() {
        return context;
    }

    /** The TLS parameters of a connection to a worker: this context's defaults with host name verification. */
    public SSLParameters sslParameters() {
        SSLParameters parameters = context.getDefaultSSLParameters();
        parameters.setEndpointIdentificationAlgorithm(ENDPOINT_IDENTIFICATION);
        return parameters;
    }

    /** Builds {@code builder}'s clients with this trust (and host name verification). */
    HttpClient.Builder applyTo(HttpClient.Builder builder) {
        return builder.sslContext(context).sslParameters(sslParameters());
    }

    /** Whether {@code failure} is a failed TLS handshake (or another TLS failure) rather than a plain connection failure. */
    public static boolean isTls(Throwable failure) {
        return find(failure, SSLException.class) != null;
    }

    /**
     * {@code failure} in the words of a log line: for a TLS failure, what went
     * wrong and with which trust, e.g. {@code TLS handshake failed: certificate
     * not trusted by workerTrustStore /etc/resumelb/workers.p12 (PKIX path
     * building failed: …)}; otherwise the failure itself.
     */
    public String describe(Throwable failure) {
        SSLException tls = find(failure, SSLException.class);
        if (tls == null) {
            Throwable shown = unwrap(failure);
            return shown != null && shown.getMessage() == null && shown.getCause() != null
                    ? shown + " (" + shown.getCause() + ")" : String.valueOf(shown);
        }
        Throwable cause = innermost(tls);
        String why = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        if (find(tls, CertPathBuilderException.class) != null || find(tls, CertPathValidatorException.class) != null) {
            return "TLS handshake failed: certificate not trusted by " + trustedBy + " (" + why + ")";
        }
        if (find(tls, CertificateException.class) != null) {
            return "TLS handshake failed: certificate rejected (" + why + "); it must name the host of the worker's URL"
                    + " (host name verification is on) and allow TLS server use";
        }
        return "TLS handshake failed (" + why + "): does the worker serve https on this port?";
    }

    @Override
    public String toString() {
        return trustedBy;
    }

    /** The completion wrappers of asynchronous clients removed. */
    private static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static Throwable innermost(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t.getCause() != null && t.getCause() != t && depth < 20; depth++) {
            t = t.getCause();
        }
        return t;
    }

    private static <T extends Throwable> T find(Throwable failure, Class<T> type) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < 20; depth++) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
            t = t.getCause() == t ? null : t.getCause();
        }
        return null;
    }
}
