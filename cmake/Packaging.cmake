# SPDX-License-Identifier: GPL-2.0-only
# CPack: `cpack -G DEB` in a build directory gives bulkhead_<version>_<arch>.deb
# with its files under /usr and /etc, whatever the build's own prefix (the
# install rules compute paths at install time: src/daemon/CMakeLists.txt).
set(CPACK_PACKAGE_NAME bulkhead)
set(CPACK_PACKAGE_VENDOR "bulkhead")
set(CPACK_PACKAGE_CONTACT "bulkhead maintainers <maintainers@bulkhead.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_INSTALL_DIRECTORY /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Run-time libraries from the ELF's needs (dpkg-shlibdeps, in dpkg-dev).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
"XDP microsegmentation for container nodes
 bulkhead attaches an XDP program to a node's NIC and to the host ends of
 container veths, classifies every packet by workload identity, enforces a
 label-based segmentation policy at line rate (with an audit mode), and
 accounts flows. The daemon (bulkhead.service) watches for new containers,
 takes endpoint registrations from runtime hooks and reloads policies
 atomically.")
# /etc/bulkhead/bulkhead.yaml is the operator's file: keep their edits on
# upgrade. The service is not enabled or started by the package: it needs
# a policy first.
set(BH_CONFFILES ${CMAKE_CURRENT_BINARY_DIR}/deb/conffiles)
file(WRITE ${BH_CONFFILES} "/etc/bulkhead/bulkhead.yaml\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${BH_CONFFILES})
include(CPack)
