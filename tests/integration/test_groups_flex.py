"""Consumer groups at their flexible versions (issue 15) on the raw wire, against `tern serve`:
FindCoordinator v4 (two keys in one request), JoinGroup v9, SyncGroup v5 (a protocol type or
name that differs from the group's is INCONSISTENT_GROUP_PROTOCOL), Heartbeat v4, ListGroups v4
with state filters, DescribeGroups v5, LeaveGroup v5 (per-member reasons) and DeleteGroups v2.
The encoder is tests/lib/kafka_raw.py's, written from Kafka's schemas, not Tern's codecs.
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import kafka_raw as kr  # noqa: E402
import tern_harness as th  # noqa: E402

HUB_ARGS = ["--group.initial.rebalance.delay.ms", "0"]
INT32_MIN = -2147483648


class GroupsFlexTest(unittest.TestCase):

    def test_advertised_versions(self):
        with th.Hub(HUB_ARGS, name="groups-flex-versions") as hub, hub.connect() as c:
            err, versions = kr.api_versions(c, 3)
            self.assertEqual(err, 0)
            for key, top in kr.FLEX_GROUP_VERSIONS.items():
                self.assertEqual(versions[key], (0, top), "api key %d" % key)

    def test_find_coordinator_v4_answers_every_key(self):
        with th.Hub(HUB_ARGS, name="groups-flex-fc") as hub, hub.connect() as c:
            got = kr.find_coordinators_v4(c, ["group-a", "group-b"])
            self.assertEqual([g["key"] for g in got], ["group-a", "group-b"])
            for g in got:
                self.assertEqual((g["error"], g["error_message"]), (0, None), g)
                self.assertEqual((g["node_id"], g["host"], g["port"]), (1, "127.0.0.1", hub.port))
            # An unknown key type refuses each key, each with a message.
            got = kr.find_coordinators_v4(c, ["x", "y"], key_type=7)
            self.assertEqual([g["key"] for g in got], ["x", "y"])
            for g in got:
                self.assertEqual(g["error"], kr.ERR_INVALID_REQUEST, g)
                self.assertIn("key type", g["error_message"])
                self.assertEqual((g["node_id"], g["port"]), (-1, -1))
            # An empty batch gets an empty answer; the single-key versions still work.
            self.assertEqual(kr.find_coordinators_v4(c, []), [])
            one = kr.find_coordinator(c, "group-a", version=2)
            self.assertEqual((one["error"], one["port"]), (0, hub.port))

    def test_group_lifecycle(self):
        group = "flex-group"
        topic = "flex-topic"
        subscription = kr.consumer_subscription([topic])
        with th.Hub(HUB_ARGS, name="groups-flex") as hub, hub.connect() as c:
            th.create_topic(hub, topic, 2)

            # JoinGroup v9: the first join hands out a member id (v4+), the second completes.
            first = kr.join_group_v9(c, group, protocols=[("range", subscription)],
                                     reason="starting")
            self.assertEqual(first["error"], kr.ERR_MEMBER_ID_REQUIRED, first)
            self.assertIsNone(first["protocol_type"])  # an error names no protocol (v7+)
            self.assertIsNone(first["protocol_name"])
            member = first["member_id"]
            self.assertTrue(member)
            joined = kr.join_group_v9(c, group, member_id=member,
                                      protocols=[("range", subscription)], reason="starting")
            self.assertEqual(joined["error"], 0, joined)
            self.assertEqual(joined["protocol_type"], "consumer")
            self.assertEqual(joined["protocol_name"], "range")
            self.assertEqual((joined["leader"], joined["member_id"]), (member, member))
            self.assertFalse(joined["skip_assignment"])
            self.assertEqual(joined["members"], [(member, None, subscription)])
            generation = joined["generation_id"]

            # SyncGroup v5: a protocol name or type other than the group's is refused, and
            # refusing does not disturb the generation.
            assignment = kr.consumer_assignment({topic: [0, 1]})
            for ptype, pname in (("consumer", "roundrobin"), ("connect", "range")):
                refused = kr.sync_group_v5(c, group, generation, member, [(member, assignment)],
                                           protocol_type=ptype, protocol_name=pname)
                self.assertEqual(refused["error"], kr.ERR_INCONSISTENT_GROUP_PROTOCOL,
                                 (ptype, pname, refused))
                self.assertEqual(refused["assignment"], b"")
            synced = kr.sync_group_v5(c, group, generation, member, [(member, assignment)],
                                      protocol_type="consumer", protocol_name="range")
            self.assertEqual(synced["error"], 0, synced)
            self.assertEqual((synced["protocol_type"], synced["protocol_name"]),
                             ("consumer", "range"))
            self.assertEqual(synced["assignment"], assignment)
            # Null type and name are not checked (a v5 client that does not know them).
            again = kr.sync_group_v5(c, group, generation, member)
            self.assertEqual((again["error"], again["assignment"]), (0, assignment))

            # Heartbeat v4.
            self.assertEqual(kr.heartbeat_v4(c, group, generation, member), 0)
            self.assertEqual(kr.heartbeat_v4(c, group, generation + 1, member),
                             kr.ERR_ILLEGAL_GENERATION)

            # A committed offset keeps the group listed once its last member has left.
            committed = kr.offset_commit(c, group, {topic: {0: (5, "")}}, version=2,
                                         generation_id=generation, member_id=member)
            self.assertEqual(committed, {(topic, 0): 0})

            # ListGroups v4: every group with its state; filters select by state, any case.
            err, groups = kr.list_groups_v4(c)
            self.assertEqual((err, groups.get(group)), (0, ("consumer", "Stable")))
            self.assertIn(group, kr.list_groups_v4(c, ["Stable"])[1])
            self.assertIn(group, kr.list_groups_v4(c, ["stable", "Empty"])[1])
            self.assertNotIn(group, kr.list_groups_v4(c, ["Empty"])[1])
            self.assertNotIn(group, kr.list_groups_v4(c, ["Dead", "PreparingRebalance"])[1])

            # DescribeGroups v5.
            described = kr.describe_groups_v5(c, [group, "no-such-group"])
            g = described[group]
            self.assertEqual((g["error"], g["state"], g["protocol_type"], g["protocol"]),
                             (0, "Stable", "consumer", "range"), g)
            self.assertEqual(g["authorized_operations"], INT32_MIN)  # not computed (as before)
            self.assertEqual(len(g["members"]), 1)
            m = g["members"][0]
            self.assertEqual((m["member_id"], m["group_instance_id"], m["client_id"]),
                             (member, None, c.client_id))
            self.assertTrue(m["client_host"].startswith("/127.0.0.1"), m)
            self.assertEqual((m["metadata"], m["assignment"]), (subscription, assignment))
            self.assertEqual((described["no-such-group"]["state"],
                              described["no-such-group"]["members"]), ("Dead", []))

            # LeaveGroup v5: the member leaves with a reason; an unknown one is refused alone.
            left = kr.leave_group_v5(c, group, [(member, None, "shutting down"),
                                                ("ghost", None, None)])
            self.assertEqual(left["error"], 0, left)
            self.assertEqual(left["members"], {member: 0, "ghost": kr.ERR_UNKNOWN_MEMBER_ID})
            self.assertEqual(kr.heartbeat_v4(c, group, generation, member),
                             kr.ERR_UNKNOWN_MEMBER_ID)

            # Now Empty (only its committed offset is left).
            err, empty = kr.list_groups_v4(c, ["Empty"])
            self.assertEqual((err, empty.get(group)), (0, ("consumer", "Empty")))
            self.assertNotIn(group, kr.list_groups_v4(c, ["Stable"])[1])
            self.assertEqual(kr.describe_groups_v5(c, [group])[group]["state"], "Empty")

            # DeleteGroups v2.
            self.assertEqual(kr.delete_groups_v2(c, [group, "never-existed"]),
                             {group: 0, "never-existed": kr.ERR_GROUP_ID_NOT_FOUND})
            self.assertNotIn(group, kr.list_groups_v4(c)[1])
            self.assertEqual(kr.describe_groups_v5(c, [group])[group]["state"], "Dead")


if __name__ == "__main__":
    unittest.main()
