from django.urls import path
from rest_framework import generics, serializers
from rows.models import Row


class RowSerializer(serializers.ModelSerializer):
    class Meta:
        model = Row
        fields = ["id", "body", "created_at"]


class RowCreate(generics.CreateAPIView):
    serializer_class = RowSerializer


urlpatterns = [path("rows/", RowCreate.as_view())]
