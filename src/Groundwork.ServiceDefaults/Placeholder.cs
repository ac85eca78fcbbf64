namespace Groundwork.ServiceDefaults;
