namespace Groundwork.LocalServers;
