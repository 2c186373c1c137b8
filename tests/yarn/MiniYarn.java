import java.io.File;
import java.io.FileOutputStream;
import java.io.OutputStream;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;

/**
 * Test harness (tests/yarn/test_minicluster.py): starts Hadoop's MiniYARNCluster with the
 * yarn-site.xml and capacity-scheduler.xml found first on the class path, waits until its
 * NodeManagers have registered, then writes the running cluster's configuration (with the
 * addresses it really listens on) to args[0] and runs until killed.
 */
public class MiniYarn {
    public static void main(String[] args) throws Exception {
        int nodeManagers = Integer.parseInt(args[1]);
        MiniYARNCluster cluster = new MiniYARNCluster("gaia-yarn", nodeManagers, 1, 1);
        cluster.init(new YarnConfiguration());
        cluster.start();
        while (cluster.getResourceManager().getRMContext().getRMNodes().size() < nodeManagers) {
            Thread.sleep(100);
        }
        File partial = new File(args[0] + ".partial");
        try (OutputStream out = new FileOutputStream(partial)) {
            cluster.getConfig().writeXml(out);
        }
        if (!partial.renameTo(new File(args[0]))) {
            throw new IllegalStateException("cannot write " + args[0]);
        }
        Thread.sleep(Long.MAX_VALUE);
    }
}
