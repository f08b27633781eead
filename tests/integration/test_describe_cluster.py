"""DescribeCluster (60) v0-1 (issue 15) on the raw wire: the broker list, cluster id and
controller id agree with Metadata's; endpoint type 2 (controllers) is UNSUPPORTED_ENDPOINT_TYPE
with a message; ApiVersions advertises 0-1.
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import kafka_raw as kr  # noqa: E402
import tern_harness as th  # noqa: E402

ERR_UNSUPPORTED_ENDPOINT_TYPE = 115


class DescribeClusterTest(unittest.TestCase):

    def test_describe_cluster(self):
        with th.Hub(name="describe-cluster") as hub, hub.connect() as c:
            err, versions = kr.api_versions(c)
            self.assertEqual((err, versions[kr.API_DESCRIBE_CLUSTER]), (0, (0, 1)))
            for version in (0, 1):
                got = kr.describe_cluster(c, version)
                self.assertEqual(got["error"], 0, got)
                self.assertEqual(got["brokers"], [(1, "127.0.0.1", hub.port)])
                self.assertEqual(got["controller_id"], 1)
                self.assertEqual(len(got["cluster_id"]), 22, got)  # the store's base64url id
            got = kr.describe_cluster(c, 1, endpoint_type=2)
            self.assertEqual(got["error"], ERR_UNSUPPORTED_ENDPOINT_TYPE)
            self.assertIn("brokers", got["error_message"])


if __name__ == "__main__":
    unittest.main()
