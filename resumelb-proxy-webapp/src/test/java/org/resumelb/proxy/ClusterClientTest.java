package org.resumelb.proxy;

import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What the tests of the proxy as deployed share when they call it over HTTP:
 * a Jetty client started before each test ({@link #configure} first), and the
 * {@link Cluster} the test starts, if any, closed after it before the client
 * stops.
 */
abstract class ClusterClientTest {

    HttpClient client;
    Cluster cluster;

    /** Sets what a test class needs of the client before it starts; Jetty's defaults unless overridden. */
    void configure(HttpClient client) {
    }

    @BeforeEach
    final void startClient() throws Exception {
        client = new HttpClient();
        configure(client);
        client.start();
    }

    @AfterEach
    final void closeClusterAndClient() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        client.stop();
    }
}
