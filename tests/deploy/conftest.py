import pytest

from tests.deploy.cluster import Cluster


@pytest.fixture
def cluster(tmp_path):
    nodes = Cluster(tmp_path)
    yield nodes
    nodes.stop()
