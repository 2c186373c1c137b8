package gaia.probe;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * A Spark driver in client mode and nothing else: it starts a SparkContext with the settings
 * spark-submit gives it (those Zeppelin's launcher hands the interpreter), so Spark's own
 * Kubernetes scheduler backend requests executor pods, and it stops when stdin closes. It is
 * what `%pyspark` does through py4j (pyspark's SparkContext wraps a JavaSparkContext), without
 * Python: pyspark 3.0's bundled cloudpickle cannot be imported on Python 3.11.
 */
public final class ExecutorProbe {
  private ExecutorProbe() {
  }

  public static void main(String[] args) throws Exception {
    JavaSparkContext context = new JavaSparkContext(new SparkConf());
    System.out.println("started " + context.sc().applicationId());
    System.out.flush();
    while (System.in.read() != -1) {
      // Wait for the test to close stdin.
    }
    context.stop();
  }
}
