import pytest

from tests.deploy.cluster import cluster_for_tests


@pytest.fixture
def cluster(tmp_path):
    nodes = cluster_for_tests(tmp_path)
    yield nodes
    nodes.stop()
