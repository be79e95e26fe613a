"""``$metadata``: the EDMX document of the published part of the emulated base."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from ihub.sandbox.onec_odata.dataset import BALANCE, STOCK_REGISTER, EntitySet

_NS = "StandardODATA"


def _properties(entity: EntitySet) -> list[str]:
    return [
        f'<Property Name={quoteattr(name)} Type={quoteattr(column.edm)} Nullable="true"/>'
        for name, column in entity.columns.items()
    ]


def _entity_type(entity: EntitySet, published: set[str]) -> str:
    navigation = [
        f'<NavigationProperty Name={quoteattr(name)} Relationship="{_NS}.{entity.name}_{name}" '
        f'FromRole="Begin" ToRole="End"/>'
        for name, target in entity.links.items()
        if target in published
    ]
    return (
        f'<EntityType Name={quoteattr(entity.name)} m:HasStream="false">'
        '<Key><PropertyRef Name="Ref_Key"/></Key>'
        + "".join(_properties(entity) + navigation)
        + "</EntityType>"
    )


def render(sets: dict[str, EntitySet], published: set[str]) -> str:
    types, container = [], []
    for entity in sets.values():
        if entity.keyed and entity.name in published:
            types.append(_entity_type(entity, published))
            container.append(
                f'<EntitySet Name={quoteattr(entity.name)} EntityType="{_NS}.{entity.name}"/>'
            )
    if STOCK_REGISTER in published:
        balance = sets[BALANCE]
        types.append(
            f'<EntityType Name="{STOCK_REGISTER}"><Key><PropertyRef Name="Recorder"/>'
            '<PropertyRef Name="Recorder_Type"/></Key>'
            '<Property Name="Recorder" Type="Edm.String" Nullable="false"/>'
            '<Property Name="Recorder_Type" Type="Edm.String" Nullable="false"/></EntityType>'
        )
        types.append(
            f'<ComplexType Name="{BALANCE}">' + "".join(_properties(balance)) + "</ComplexType>"
        )
        container.append(
            f'<EntitySet Name="{STOCK_REGISTER}" EntityType="{_NS}.{STOCK_REGISTER}"/>'
            '<FunctionImport Name="Balance" IsBindable="true" IsSideEffecting="false" '
            f'ReturnType="Collection({_NS}.{BALANCE})">'
            f'<Parameter Name="bindingParameter" Type="{_NS}.{STOCK_REGISTER}"/>'
            '<Parameter Name="Condition" Type="Edm.String"/>'
            '<Parameter Name="Dimensions" Type="Edm.String"/>'
            '<Parameter Name="Period" Type="Edm.DateTime"/></FunctionImport>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<edmx:Edmx xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx" Version="1.0">'
        '<edmx:DataServices xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"'
        ' m:DataServiceVersion="3.0" m:MaxDataServiceVersion="3.0">'
        f'<Schema xmlns="http://schemas.microsoft.com/ado/2009/11/edm" Namespace="{_NS}">'
        + "".join(types)
        + '<EntityContainer Name="EnterpriseV8" m:IsDefaultEntityContainer="true">'
        + "".join(container)
        + "</EntityContainer></Schema></edmx:DataServices></edmx:Edmx>"
    )
